// Sounds of the game page: a move, a capture, a check, low time and the end of the game,
// synthesised with the Web Audio API (no files to load), and a mute switch the browser
// remembers (localStorage "boardroom.muted"). `log` lists what was played, muted or not
// (the browser tests read it; nothing can be heard in headless Chromium).

const KEY = "boardroom.muted";

// [frequency Hz, duration s, type] notes per sound.
const NOTES = {
  move: [[520, 0.07, "triangle"]],
  capture: [[330, 0.06, "square"], [250, 0.08, "triangle"]],
  check: [[880, 0.09, "sawtooth"], [660, 0.1, "triangle"]],
  lowtime: [[990, 0.08, "sine"], [990, 0.08, "sine"]],
  end: [[523, 0.12, "triangle"], [659, 0.12, "triangle"], [784, 0.22, "triangle"]],
};

function stored() {
  try {
    return localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}

export function createSounds() {
  let context = null;
  const sounds = {
    muted: stored(),
    log: [],
    setMuted(muted) {
      sounds.muted = muted;
      try {
        localStorage.setItem(KEY, muted ? "1" : "0");
      } catch {
        /* private mode: remembered for this page only */
      }
    },
    play(kind) {
      sounds.log.push({ kind, muted: sounds.muted });
      if (sounds.muted || !NOTES[kind]) return;
      try {
        context = context || new AudioContext();
        let at = context.currentTime;
        for (const [frequency, duration, type] of NOTES[kind]) {
          const oscillator = context.createOscillator();
          const gain = context.createGain();
          oscillator.type = type;
          oscillator.frequency.value = frequency;
          gain.gain.setValueAtTime(0.12, at);
          gain.gain.exponentialRampToValueAtTime(0.001, at + duration);
          oscillator.connect(gain).connect(context.destination);
          oscillator.start(at);
          oscillator.stop(at + duration);
          at += duration * 0.9;
        }
      } catch {
        /* no audio here */
      }
    },
  };
  return sounds;
}

// Which sound an action makes: the end of the game, a check, a capture or a move.
export function soundFor(entry, view, status) {
  if (status === "finished" || status === "aborted") return "end";
  if (entry.action !== "move") return null;
  if (view?.game === "chess" && view.position?.check) return "check";
  if (/x/.test(entry.description || "")) return "capture";
  return "move";
}
