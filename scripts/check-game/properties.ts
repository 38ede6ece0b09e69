/** Each rule as a check over one random match: it throws Broken where the game breaks the rule. */
import { isDeepStrictEqual } from "node:util";
import {
  createEngine,
  hasHiddenInformation,
  MOVE_REFUSALS,
  type Engine,
  type MatchState,
} from "../../shared/engine.ts";
import type { MatchEvent } from "../../shared/events.ts";
import type { AnyGame, Seat } from "../../shared/game.ts";
import { junkFor, nearMisses, play, sampleOf, viewersOf, type Scenario } from "./play.ts";
import { Broken, canonical, DEFAULT_BOUND, firstDifference, type Rule, show } from "./rules.ts";

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The check of one rule over one scenario; throws Broken when the rule is broken. */
export function checkRule(game: AnyGame, rule: Rule, scenario: Scenario, trail: { seat: Seat; move: unknown }[]): void {
  const roundTrips = (value: unknown, what: string) => {
    let copy: unknown;
    try {
      copy = JSON.parse(JSON.stringify(value) ?? "null");
    } catch (error) {
      throw new Broken("json-round-trip", `${what} is not JSON: ${String(error)}`);
    }
    if (!isDeepStrictEqual(copy, value))
      throw new Broken("json-round-trip", `${what} changes in a JSON round trip: ${firstDifference(value, copy)}`);
  };

  switch (rule) {
    case "json-round-trip": {
      play(game, scenario, trail, ({ engine, state }) => {
        roundTrips(state.game, "the state");
        for (const viewer of viewersOf(state.players)) roundTrips(engine.view(state, viewer), `${viewer}'s view`);
        for (const seat of engine.activeSeats(state))
          for (const move of game.legalMoves(state.game, seat)) roundTrips(move, `move ${show(move)}`);
      });
      return;
    }
    case "deterministic": {
      const first = play(game, scenario, [], ({ engine, state }) => {
        for (const viewer of viewersOf(state.players)) {
          const [once, again] = [canonical(engine.view(state, viewer)), canonical(engine.view(state, viewer))];
          if (once !== again) throw new Broken("deterministic", `${viewer}'s view differs between two calls`);
        }
        for (let seat = 0; seat < state.players; seat++) {
          const [once, again] = [game.legalMoves(state.game, seat), game.legalMoves(state.game, seat)];
          if (canonical(once) !== canonical(again))
            throw new Broken("deterministic", `seat ${seat}'s legalMoves differ between two calls`);
        }
      });
      const second = play(game, scenario, trail);
      first.states.forEach((state, index) => {
        const other = second.states[index];
        const difference = firstDifference(state, other);
        if (difference)
          throw new Broken("deterministic", `two plays of the same match differ after event ${index}: ${difference}`);
        if (canonical(first.events[index]) !== canonical(second.events[index]))
          throw new Broken(
            "deterministic",
            `event ${index} differs: ${firstDifference(first.events[index], second.events[index])}`,
          );
      });
      if (second.states.length !== first.states.length)
        throw new Broken("deterministic", "two plays logged different numbers of events");
      return;
    }
    case "listed-moves-pass": {
      play(game, scenario, trail, ({ engine, state, random }) => {
        const active = engine.activeSeats(state);
        for (let seat = 0; seat < state.players; seat++) {
          const listed = game.legalMoves(state.game, seat);
          if (!active.includes(seat)) {
            if (listed.length > 0)
              throw new Broken(rule, `seat ${seat} may not act but legalMoves lists ${show(listed[0])}`);
            continue;
          }
          if (listed.length === 0) throw new Broken(rule, `seat ${seat} may act but legalMoves lists nothing`);
          for (const move of sampleOf(listed, random)) {
            const checked = engine.check(state, seat, move);
            if (!checked.ok) {
              const { code, reason, message } = checked.error;
              throw new Broken(
                rule,
                `legalMoves lists ${show(move)} for seat ${seat}; refused ${reason ?? code}: ${message}`,
              );
            }
          }
          if (game.timeout.kind === "move") {
            const chosen = game.timeout.choose(state.game, seat);
            if (!engine.check(state, seat, chosen).ok)
              throw new Broken(rule, `the timeout policy picks ${show(chosen)} for seat ${seat}, which is refused`);
          }
        }
      });
      return;
    }
    case "unlisted-moves-refused": {
      play(game, scenario, trail, ({ engine, state, random }) => {
        const active = engine.activeSeats(state);
        for (let seat = 0; seat < state.players; seat++) {
          const listed = game.legalMoves(state.game, seat);
          const keys = new Set(listed.map(canonical));
          const others = active.includes(seat)
            ? []
            : engine.activeSeats(state).flatMap((other) => game.legalMoves(state.game, other));
          for (const move of [...nearMisses(listed.length > 0 ? listed : others, random), ...others.slice(0, 4)]) {
            if (keys.has(canonical(move))) continue;
            const checked = engine.check(state, seat, move);
            if (checked.ok) {
              // Another spelling of a listed move (chess takes SAN and UCI) is fine: it must do the same.
              const after = engine.apply(state, { kind: "move", seat, move: checked.value, id: "x" }, 0).game;
              const same = listed.some(
                (other) =>
                  canonical(engine.apply(state, { kind: "move", seat, move: other, id: "x" }, 0).game) ===
                  canonical(after),
              );
              if (!same)
                throw new Broken(rule, `seat ${seat}'s move ${show(move)} is accepted but legalMoves omits it`);
              continue;
            }
            const again = engine.check(state, seat, move);
            const { code, reason } = checked.error;
            if (!MOVE_REFUSALS.includes(code)) throw new Broken(rule, `refused with an unknown code ${code}`);
            if (code === "illegal" && (reason === undefined || !KEBAB.test(reason)))
              throw new Broken(rule, `${show(move)} is refused with the reason ${show(reason)}, not a kebab-case code`);
            if (again.ok || again.error.code !== code || again.error.reason !== reason)
              throw new Broken(
                rule,
                `${show(move)} is refused with ${reason ?? code}, then differently when asked again`,
              );
          }
        }
      });
      return;
    }
    case "schema-refuses-junk": {
      play(game, scenario, trail, ({ engine, state, random }) => {
        for (const seat of engine.activeSeats(state)) {
          for (const junk of junkFor(game.legalMoves(state.game, seat), random)) {
            let checked: ReturnType<Engine["check"]>;
            try {
              checked = engine.check(state, seat, junk);
            } catch (error) {
              throw new Broken(rule, `checking ${show(junk)} threw: ${String(error)}`);
            }
            if (checked.ok) throw new Broken(rule, `the move schema takes ${show(junk)}`);
          }
        }
      });
      return;
    }
    case "ends-within-bound": {
      play(game, scenario, trail, undefined, { bound: game.maxMoves ?? DEFAULT_BOUND });
      return;
    }
    case "replay-reproduces": {
      const played = play(game, scenario, trail);
      const states = [...played.states];
      const events: (MatchEvent & { at: number })[] = [...played.events];
      const last = states.at(-1);
      // A match still playing ends by resignation, so the game's `onEnd` is replayed too.
      if (last?.status === "playing") {
        const resign = { kind: "resign", seat: 0, at: (events.at(-1)?.at ?? 0) + 1 } as const;
        const ended = played.engine.apply(last, resign, resign.at);
        const copy = JSON.parse(JSON.stringify(ended)) as MatchState;
        const difference = firstDifference(copy, ended);
        if (difference) throw new Broken(rule, `the state after onEnd changes in a JSON round trip: ${difference}`);
        events.push(resign);
        states.push(ended);
      }
      const log = JSON.parse(JSON.stringify(events)) as (MatchEvent & { at: number })[];
      const fresh = createEngine(game, played.engine.options, scenario.seed);
      let state = fresh.initial();
      log.forEach((event, index) => {
        state = fresh.apply(state, event, event.at);
        const difference = firstDifference(state, states[index]);
        if (difference) throw new Broken(rule, `the replayed log differs after event ${index}: ${difference}`);
      });
      // The Match's path on wake: a JSON snapshot from the middle, then the events after it.
      const middle = Math.floor(log.length / 2);
      let resumed = JSON.parse(JSON.stringify(states[middle])) as MatchState;
      for (const event of log.slice(middle + 1)) resumed = fresh.restore(resumed, event, event.at);
      const difference = firstDifference(resumed, states.at(-1));
      if (difference)
        throw new Broken(rule, `resuming from the JSON snapshot at event ${middle} differs: ${difference}`);
      return;
    }
    case "views-hide-secrets": {
      play(game, scenario, trail, ({ engine, state, random }) => {
        const viewers = viewersOf(state.players);
        if (!hasHiddenInformation(game)) {
          const spectator = canonical(engine.view(state, "spectator"));
          for (const viewer of viewers)
            if (canonical(engine.view(state, viewer)) !== spectator)
              throw new Broken(rule, `${viewer}'s view differs from the spectators' but the game has no view`);
          return;
        }
        if (!game.resampleHidden)
          throw new Broken(rule, "a game with hidden information needs resampleHidden to be checked");
        for (const viewer of viewers) {
          const resampled = game.resampleHidden(state.game, viewer, random);
          const other = { ...state, game: resampled };
          for (const seen of viewer === "spectator" ? ["spectator" as const] : [viewer, "spectator" as const]) {
            const difference = firstDifference(engine.view(state, seen), engine.view(other, seen));
            if (difference)
              throw new Broken(rule, `changing what ${viewer} cannot see changes ${seen}'s view: ${difference}`);
          }
          if (viewer !== "spectator") {
            const difference = firstDifference(game.legalMoves(state.game, viewer), game.legalMoves(resampled, viewer));
            if (difference)
              throw new Broken(rule, `changing what seat ${viewer} cannot see changes its legal moves: ${difference}`);
          }
        }
      });
      return;
    }
    case "moves-carry-no-secret": {
      if (!hasHiddenInformation(game)) return;
      play(game, scenario, trail, ({ engine, state, random }) => {
        for (const seat of engine.activeSeats(state)) {
          const after = sampleOf(game.legalMoves(state.game, seat), random).map((move) => ({
            move,
            state: engine.apply(state, { kind: "move", seat, move, id: "x" }, 0),
          }));
          for (const viewer of viewersOf(state.players).filter((viewer) => viewer !== seat)) {
            const seen = new Map<string, { move: unknown; state: string }>();
            for (const { move, state: next } of after) {
              const view = canonical(engine.view(next, viewer));
              const earlier = seen.get(view);
              const whole = canonical(next.game);
              if (earlier && earlier.state !== whole) {
                throw new Broken(
                  rule,
                  `seat ${seat}'s moves ${show(earlier.move)} and ${show(move)} leave ${viewer} the same view, yet the move is sent to ${viewer}`,
                );
              }
              seen.set(view, { move, state: whole });
            }
          }
        }
      });
      return;
    }
  }
}
