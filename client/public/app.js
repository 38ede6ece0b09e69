// A minimal page for the foundation: create, join, play and watch a match. The full browser
// game (SDK, lobby, renderers) is its own piece of work; this page speaks docs/protocol.md.

/** @typedef {{ seq: number, status: string, seats: {seat: number, name: string}[], capacity: number, view: any, turn: {seats: number[], deadline: number | null} | null, moves: number, result: {kind: string, winners?: number[], reason: string} | null, serverTime: number }} MatchView */

const app = /** @type {HTMLElement} */ (document.getElementById("app"));
const params = new URLSearchParams(location.search);
const matchId = params.get("match");

/** @param {string} tag @param {Record<string, string>} [attrs] @param {(Node | string)[]} [children] */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

/** @param {string} path @param {unknown} [body] */
async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(json.error?.message ?? response.statusText);
  return json;
}

async function home() {
  const { games } = await api("/api/games");
  const list = el("ul");
  for (const game of games) {
    const button = el("button", {}, [`New ${game.name} match`]);
    button.addEventListener("click", async () => {
      const match = await api("/api/matches", { game: game.id });
      location.search = `?match=${match.matchId}`;
    });
    list.append(el("li", {}, [button]));
  }
  app.replaceChildren(el("p", {}, ["Create a match, then share its address with the other player or a spectator."]), list);
}

/** @param {string} id */
async function match(id) {
  const storageKey = `ply:token:${id}`;
  const status = el("p", { id: "status", "aria-live": "polite" });
  const error = el("p", { id: "error", role: "alert" });
  const board = el("div", { class: "board" });
  const seats = el("p");
  const joinForm = /** @type {HTMLFormElement} */ (el("form", {}, [
    el("label", {}, ["Your name ", el("input", { name: "name", required: "", maxlength: "24", autocomplete: "nickname" })]),
    " ",
    el("button", {}, ["Take a seat"]),
  ]));
  app.replaceChildren(el("p", {}, [`Match ${id} · share this page's address to invite or to watch.`]), seats, status, board, error, joinForm);

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
    const name = String(new FormData(joinForm).get("name") ?? "");
    try {
      const joined = await api(`/api/matches/${id}/join`, { name });
      localStorage.setItem(storageKey, joined.token);
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
    seats.textContent = s.seats.map((seat) => `${seat.seat === 0 ? "●" : "○"} ${seat.name}${seat.seat === mySeat ? " (you)" : ""}`).join("   ");
    const myTurn = mySeat !== null && !!s.turn?.seats.includes(mySeat);
    if (s.status === "waiting") status.textContent = `Waiting for players (${s.seats.length}/${s.capacity})…`;
    else if (s.status === "finished" && s.result) {
      const winners = s.result.winners?.map((seat) => s.seats[seat]?.name).join(", ");
      status.textContent = s.result.kind === "draw" ? `Draw (${s.result.reason})` : `${winners} won (${s.result.reason})`;
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

  function connect() {
    const token = localStorage.getItem(storageKey);
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

(matchId ? match(matchId) : home()).catch((failure) => {
  app.replaceChildren(el("p", { id: "error" }, [String(failure)]));
});
