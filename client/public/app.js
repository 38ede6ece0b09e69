// A minimal page for the foundation: create, join, play and watch a match. The full browser
// game (SDK, lobby, renderers) is its own piece of work; this page speaks docs/protocol.md.

/** @typedef {{ seq: number, status: string, seats: {seat: number, name: string}[], capacity: number, view: any, turn: {seats: number[], deadline: number | null} | null, moves: number, result: {kind: string, winners?: number[], reason: string} | null, rematch: {offers: boolean[], matchId: string | null} | null, serverTime: number }} MatchView */

const app = /** @type {HTMLElement} */ (document.getElementById("app"));
const params = new URLSearchParams(location.search);
const matchId = params.get("match");
const invite = params.get("invite");

/** @typedef {{ playerId: string, name: string, token: string }} Account */

/** The anonymous account this browser plays as (its token is the account). @returns {Account | null} */
function account() {
  const stored = localStorage.getItem("ply:player");
  return stored ? JSON.parse(stored) : null;
}

/** @param {string} tag @param {Record<string, string>} [attrs] @param {(Node | string)[]} [children] */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

/** @param {string} path @param {unknown} [body] */
async function api(path, body) {
  const me = account();
  /** @type {Record<string, string>} */
  const headers = { "content-type": "application/json" };
  if (me) headers.authorization = `Bearer ${me.token}`;
  const response = await fetch(path, body === undefined ? { headers } : { method: "POST", headers, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(json.error?.message ?? response.statusText);
  return json;
}

/** Asks for a display name once and creates the anonymous account. @returns {Promise<Account>} */
function signUp() {
  return new Promise((resolve) => {
    const error = el("p", { id: "error", role: "alert" });
    const form = /** @type {HTMLFormElement} */ (el("form", {}, [
      el("label", {}, ["Your name ", el("input", { name: "name", required: "", maxlength: "24", autocomplete: "nickname" })]),
      " ",
      el("button", {}, ["Play"]),
    ]));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const created = await api("/api/players", { name: String(new FormData(form).get("name") ?? "") });
        localStorage.setItem("ply:player", JSON.stringify(created));
        resolve(created);
      } catch (failure) {
        error.textContent = String(/** @type {Error} */ (failure).message);
      }
    });
    app.replaceChildren(el("p", {}, ["Pick a name to play under."]), form, error);
  });
}

async function home() {
  const { games } = await api("/api/games");
  const list = el("ul");
  for (const game of games) {
    const open = el("button", {}, [`New ${game.name} match`]);
    const closed = el("button", {}, ["private (invite)"]);
    for (const [button, isPrivate] of /** @type {const} */ ([[open, false], [closed, true]])) {
      button.addEventListener("click", async () => {
        const match = await api("/api/matches", { game: game.id, private: isPrivate });
        location.search = `?match=${match.matchId}`;
      });
    }
    list.append(el("li", {}, [open, " ", closed]));
  }
  const code = el("input", { name: "code", placeholder: "invite code", maxlength: "9", autocomplete: "off" });
  const joinForm = el("form", {}, [code, " ", el("button", {}, ["Join"])]);
  joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    location.search = `?invite=${encodeURIComponent(/** @type {HTMLInputElement} */ (code).value)}`;
  });
  const liveList = el("ul");
  const { matches } = await api("/api/matches?status=live&limit=20");
  for (const entry of matches) {
    const names = entry.players.map((/** @type {{name: string}} */ seat) => seat.name).join(" vs ");
    liveList.append(el("li", {}, [el("a", { href: `?match=${entry.matchId}` }, [`${entry.gameId}: ${names}`]), ` · ${entry.moves} moves`]));
  }
  if (matches.length === 0) liveList.append(el("li", {}, ["nobody is playing right now"]));
  app.replaceChildren(
    el("p", {}, [`Playing as ${account()?.name}. Create a match, then share its address (or its invite code).`]),
    list,
    el("h2", {}, ["Join with a code"]),
    joinForm,
    el("h2", {}, ["Watch"]),
    liveList,
  );
}

/** @param {string} code */
async function joinInvite(code) {
  try {
    const joined = await api(`/api/invites/${encodeURIComponent(code)}/join`, {});
    location.search = `?match=${joined.matchId}`;
  } catch (failure) {
    app.replaceChildren(el("p", { id: "error" }, [String(/** @type {Error} */ (failure).message)]), el("a", { href: "/" }, ["Back"]));
  }
}

/** @param {string} id */
async function match(id) {
  const status = el("p", { id: "status", "aria-live": "polite" });
  const error = el("p", { id: "error", role: "alert" });
  const board = el("div", { class: "board" });
  const seats = el("p");
  const joinForm = /** @type {HTMLFormElement} */ (el("form", {}, [el("button", {}, ["Take a seat"])]));
  const rematch = el("button", {}, ["Rematch"]);
  const summary = await api(`/api/matches/${id}`);
  const share = summary.inviteCode ? `Invite code ${summary.inviteCode} · ` : "";
  app.replaceChildren(el("p", {}, [`${share}Share this page's address to invite or to watch.`]), seats, status, board, error, joinForm, rematch);

  /** @type {MatchView | null} */
  let state = null;
  let gameId = "";
  /** @type {number | null} */
  let mySeat = null;
  let clockOffset = 0;
  /** @type {WebSocket | null} */
  let socket = null;
  let retry = 0;

  joinForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`/api/matches/${id}/join`, {});
      socket?.close();
    } catch (failure) {
      error.textContent = String(/** @type {Error} */ (failure).message);
    }
  });

  /** @param {unknown} move */
  function play(move) {
    if (!socket || !state) return;
    error.textContent = "";
    socket.send(JSON.stringify({ type: "move", id: crypto.randomUUID().replaceAll("-", ""), seq: state.seq, move }));
  }

  function render() {
    if (!state) return;
    const s = state;
    joinForm.hidden = mySeat !== null || s.status !== "waiting";
    rematch.hidden = mySeat === null || s.status !== "finished" || s.result?.kind === "aborted";
    rematch.textContent = s.rematch?.matchId ? "Go to the rematch" : s.rematch?.offers[mySeat ?? 0] ? "Waiting for the others…" : "Rematch";
    seats.textContent = s.seats.map((seat) => `${seat.seat === 0 ? "●" : "○"} ${seat.name}${seat.seat === mySeat ? " (you)" : ""}`).join("   ");
    const myTurn = mySeat !== null && !!s.turn?.seats.includes(mySeat);
    if (s.status === "waiting") status.textContent = `Waiting for players (${s.seats.length}/${s.capacity})…`;
    else if (s.status === "finished" && s.result) {
      const winners = s.result.winners?.map((seat) => s.seats[seat]?.name).join(", ");
      status.textContent =
        s.result.kind === "draw" ? `Draw (${s.result.reason})` : s.result.kind === "aborted" ? `Called off (${s.result.reason})` : `${winners} won (${s.result.reason})`;
    } else {
      const left = s.turn?.deadline ? Math.max(0, Math.ceil((s.turn.deadline - (Date.now() + clockOffset)) / 1000)) : null;
      const who = myTurn ? "Your move" : `${s.turn?.seats.map((seat) => s.seats[seat]?.name).join(", ")} to move`;
      status.textContent = left === null ? who : `${who} · ${left}s`;
    }
    const cells = [];
    if (gameId === "tic-tac-toe" && s.view) {
      board.style.gridTemplateColumns = "repeat(3, 1fr)";
      s.view.cells.forEach((/** @type {number | null} */ owner, /** @type {number} */ cell) => {
        const button = el("button", { class: owner === null ? "" : `s${owner}`, "aria-label": `cell ${cell + 1}` }, [owner === null ? "" : owner === 0 ? "✕" : "◯"]);
        button.toggleAttribute("disabled", !myTurn || owner !== null);
        button.addEventListener("click", () => play({ cell }));
        cells.push(button);
      });
    } else if (gameId === "connect-four" && s.view) {
      board.style.gridTemplateColumns = "repeat(7, 1fr)";
      for (let row = 5; row >= 0; row--) {
        for (let column = 0; column < 7; column++) {
          const owner = s.view.columns[column][row];
          const button = el("button", { class: owner === undefined ? "" : `s${owner}`, "aria-label": `column ${column + 1}` }, [owner === undefined ? "" : "●"]);
          button.toggleAttribute("disabled", !myTurn || s.view.columns[column].length >= 6);
          button.addEventListener("click", () => play({ column }));
          cells.push(button);
        }
      }
    }
    board.replaceChildren(...cells);
  }

  rematch.addEventListener("click", () => {
    if (state?.rematch?.matchId) location.search = `?match=${state.rematch.matchId}`;
    else socket?.send(JSON.stringify({ type: "rematch" }));
  });

  function connect() {
    const token = account()?.token;
    const url = new URL(`/parties/match/${id}`, location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (token) url.searchParams.set("token", token);
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener("message", (message) => {
      const frame = JSON.parse(String(message.data));
      if (frame.type === "welcome") {
        gameId = frame.gameId;
        mySeat = frame.seat;
        retry = 0;
      } else if (frame.type === "snapshot" || frame.type === "sync") {
        state = frame.state;
      } else if (frame.type === "event") {
        if (state && frame.event.seq > state.seq + 1) ws.send(JSON.stringify({ type: "resync", seq: state.seq }));
        else state = frame.state;
      } else if (frame.type === "rematch" && state) {
        state = { ...state, rematch: { offers: frame.offers, matchId: frame.matchId } };
      } else if (frame.type === "error") {
        error.textContent = frame.reason ? `${frame.message} (${frame.reason})` : frame.message;
      }
      if (frame.state) clockOffset = frame.state.serverTime - Date.now();
      render();
    });
    ws.addEventListener("close", () => {
      if (socket !== ws) return;
      status.textContent = "Disconnected — reconnecting…";
      setTimeout(connect, Math.min(10_000, 500 * 2 ** retry++));
    });
  }

  connect();
  setInterval(render, 1000);
}

(async () => {
  if (!account()) await signUp();
  if (invite) return joinInvite(invite);
  return matchId ? match(matchId) : home();
})().catch((failure) => {
  app.replaceChildren(el("p", { id: "error" }, [String(failure)]));
});
