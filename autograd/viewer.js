// stepgrad's viewer: one laid-out SVG per picture, the steps as data, no network.
// A step sets texts ("d12" data, "g12" grad, "m12_0" message) and moves the red
// highlight; nothing is laid out again. Used inline in HTML and by the anywidget widget.
// A quiz page (data.quiz, see autograd/quiz.py) asks for the answer at some steps and
// does not step past a question until it is answered right or its answer is shown.
function stepgradViewer(root, data, options) {
  options = options || {};
  const steps = data.steps, views = data.views, home = views[0].home || { view: [], element: [] };
  const first = data.first || 0, last = first + steps.length - 1, total = data.total || 0;
  let state = {}, done = -1, view = 0, step = -1, timer = null, mode = "fit";

  root.textContent = "";
  root.classList.add("sg-ready");
  root.tabIndex = 0;
  const make = (tag, cls, parent, text) => {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined) el.textContent = text;
    parent.appendChild(el);
    return el;
  };
  const bar = make("div", "sg-bar", root);
  const button = (action, text, title, parent = bar) => {
    const b = make("button", "sg-button", parent, text);
    b.dataset.action = action;
    b.title = title;
    b.type = "button";
    return b;
  };
  const stepping = steps.length > 0;
  let slider = null, number = null, play = null;
  if (stepping) {
    button("previous", "◀", "previous step (←)");
    play = button("play", "▶ play", "play / pause (space)");
    button("next", "▶", "next step (→)");
    slider = make("input", "sg-slider", bar);
    Object.assign(slider, { type: "range", min: first, max: last, value: first });
    number = make("span", "sg-number", bar);
  }
  const quiz = data.quiz || null;
  const score = quiz ? make("span", "sg-score", bar) : null;
  const zoom = make("span", "sg-zoom", bar);
  for (const [action, text, title] of [
    ["zoom-out", "−", "zoom out"], ["zoom-in", "+", "zoom in"],
    ["fit", "fit", "fit the picture to the width"], ["actual", "1:1", "actual size"],
  ]) zoom.appendChild(button(action, text, title));
  const crumbs = make("div", "sg-crumbs", root);
  const canvas = make("div", "sg-canvas", root);
  const note = make("div", "sg-note", root);
  const equation = stepping ? make("div", "sg-equation", root) : null;
  const ask = quiz ? quizPanel() : null;
  if (data.note) make("div", "sg-note sg-window", root, data.note);

  // The texts once step k is done: from the page's first step, or on from the last one.
  function reset() { state = Object.assign({}, data.initial); done = first - 1; }
  function apply(k) {
    if (k < done) reset();
    for (let i = done + 1; i <= k; i++) Object.assign(state, content(i).texts);
    done = k;
  }

  // Step k's equation and texts: as the page holds them, or opened from their seal; a
  // question's with ? for its answer until the answer is right or shown.
  const opened = new Map();
  function content(k) {
    const s = steps[k - first];
    if (!s.sealed) return s;
    const question = ask && ask.questions.get(k);
    if (question && question.full) return question.full;
    if (!opened.has(k)) opened.set(k, unseal(s.sealed, 2 * k));
    return opened.get(k);
  }

  // The inverse of autograd.quiz.seal: base64, then XOR with xorshift32's stream.
  function unseal(text, nonce) {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    let x = (quiz.key ^ Math.imul(nonce, 0x9E3779B1)) >>> 0 || 1;
    for (let i = 0; i < bytes.length; i++) {
      if ((i & 3) === 0) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0; }
      bytes[i] ^= (x >>> (8 * (i & 3))) & 255;
    }
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  // The question box under the equation, and each question's state.
  function quizPanel() {
    const panel = make("div", "sg-quiz", root);
    const prompt = make("div", "sg-question", panel);
    const row = make("div", "sg-quiz-row", panel);
    const input = make("input", "sg-answer", row);
    Object.assign(input, { type: "text", inputMode: "decimal", autocomplete: "off",
      spellcheck: false, placeholder: "a number: 0.5, -0.25, 1e-3" });
    input.setAttribute("aria-label", "your answer");
    const buttons = [
      button("check", "check", "check your answer (Enter)", row),
      button("hint", "hint", "the rule to use", row),
      button("reveal", "show answer", "show the answer: the question then does not count", row),
    ];
    const feedback = make("span", "sg-feedback", row);
    feedback.setAttribute("aria-live", "polite");
    const hint = make("div", "sg-hint", panel);
    const questions = new Map(quiz.questions.map((q, i) => [q.step, Object.assign(
      { number: i + 1, status: "open", feedback: "", mood: "", hinted: false, typed: "", full: null }, q)]));
    return { prompt, row, input, buttons, feedback, hint, questions, inBox: null };
  }

  // The first question not yet answered right or shown: the page steps no further.
  function gate() {
    for (const [k, q] of ask.questions) if (q.status === "open") return k;
    return Infinity;
  }

  // A typed number: "1.5", "-0.25", "1e-3", " 2 " (a minus sign − too), else null.
  function parse(text) {
    const t = text.trim().replace(/^[−–]/, "-");
    return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : null;
  }

  function check() {
    const q = ask.questions.get(step);
    if (!q || q.status !== "open") return;
    const text = ask.input.value.trim(), x = parse(text);
    if (text === "") [q.feedback, q.mood] = ["type a number first", ""];
    else if (x === null) [q.feedback, q.mood] = [`“${text}” is not a number: type one such as -0.25 or 1e-3`, ""];
    else {
      const answer = unseal(q.answer, 2 * step + 1);
      if (answer.accepted.some((a) => Math.abs(x - a) <= quiz.rtol * Math.abs(a))) {
        Object.assign(q, { status: "right", full: answer, feedback: "right", mood: "right" });
        reset();
      } else [q.feedback, q.mood] = ["not quite, try again", "wrong"];
    }
    render();
  }

  function reveal() {
    const q = ask.questions.get(step);
    if (!q || q.status !== "open") return;
    const answer = unseal(q.answer, 2 * step + 1);
    Object.assign(q, { status: "shown", full: answer, feedback: `the answer is ${answer.answer}`, mood: "" });
    reset();
    render();
  }

  function renderQuiz(k) {
    const q = ask.questions.get(k), n = ask.questions.size;
    let right = 0;
    for (const other of ask.questions.values()) right += other.status === "right";
    score.textContent = `score: ${right} of ${n} right`;
    ask.row.hidden = !q;
    if (!q) {
      const next = gate();
      ask.prompt.textContent = next === Infinity ? "every question done" : `next question at step ${next}`;
      ask.hint.textContent = "";
      ask.inBox = null;
      return;
    }
    ask.prompt.textContent = `question ${q.number} of ${n}: ${q.prompt}`;
    if (ask.inBox !== q) { ask.input.value = q.typed; ask.inBox = q; }
    ask.input.disabled = q.status !== "open";
    ask.buttons[0].disabled = ask.buttons[2].disabled = q.status !== "open";
    ask.feedback.textContent = q.feedback;
    ask.feedback.className = "sg-feedback" + (q.mood ? ` sg-${q.mood}` : "");
    ask.hint.textContent = q.hinted ? q.hint : "";
  }

  // Where a node is seen in picture v: its own element, the box that holds it, or an input.
  function elementOf(place, v) {
    let at = home.view[place];
    if (at === v) return home.element[place] || "v" + place;
    while (at !== -1 && at !== undefined) {
      if (views[at].parent === v) return views[at].openedBy;
      at = views[at].parent;
    }
    if (views[v].inputs.includes(place)) return "i" + place;
    return views[v].hiddenInputs.includes(place) ? "hidden" : null;
  }

  let svg = null, full = null, box0 = null;
  function show(v) {
    view = v;
    canvas.innerHTML = views[v].svg;
    svg = canvas.querySelector("svg");
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    const vb = svg.viewBox.baseVal;
    full = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
    for (const [element, child] of Object.entries(views[v].boxes)) {
      const g = svg.querySelector(`[id="${element}"]`);
      if (!g) continue;
      g.classList.add(child >= 0 ? "sg-opens" : "sg-closed");
      if (child >= 0) g.addEventListener("click", () => { show(child); fit(true); render(); });
      else g.querySelector("title").textContent =
        "too many nodes for this page: draw(root, expand=[...]) opens it in Python";
    }
    crumbs.textContent = "";
    const path = [];
    for (let at = v; at !== -1; at = views[at].parent) path.unshift(at);
    path.forEach((at, i) => {
      if (i) make("span", "sg-sep", crumbs, " › ");
      const label = at === 0 ? "whole graph" : views[at].path[views[at].path.length - 1];
      const crumb = make(i === path.length - 1 ? "span" : "a", "sg-crumb", crumbs, label);
      if (i < path.length - 1) {
        crumb.href = "#";
        crumb.addEventListener("click", (e) => { e.preventDefault(); show(at); fit(true); render(); });
      }
    });
    crumbs.style.display = v === 0 && !Object.values(views[0].boxes).some((c) => c >= 0) ? "none" : "";
    note.textContent = views[v].note;
  }

  function setBox(x, y, w) {
    const cw = canvas.clientWidth || 600, ch = canvas.clientHeight || 400;
    box0 = { x, y, w, h: (w * ch) / cw };
    svg.setAttribute("viewBox", `${box0.x} ${box0.y} ${box0.w} ${box0.h}`);
    zoom.dataset.scale = (cw / w).toFixed(3);
  }

  // Pixels per point: 4/3 at 1:1. Below READABLE (7 px text), a first view keeps that
  // scale and shows the step's part of the picture; the fit button shows all of it.
  const ACTUAL = 4 / 3, READABLE = 0.6;
  function setHeight(scale) {
    const limit = Math.max(160, Math.min(window.innerHeight * 0.7, 700));
    canvas.style.height = Math.max(120, Math.min(full.h * scale + 8, limit)) + "px";
  }

  function fit(readable) {
    mode = readable ? "readable" : "fit";
    const cw = canvas.clientWidth || 600;
    let scale = Math.min(cw / full.w, ACTUAL);
    if (readable) scale = Math.max(scale, READABLE);
    setHeight(scale);
    const ch = canvas.clientHeight || 400;
    scale = Math.min(scale, readable ? Infinity : ch / full.h);
    const w = cw / scale, h = ch / scale;
    setBox(full.x - (w - full.w) / 2, full.y - Math.max(0, (h - full.h) / 2), w);
  }

  function actual() {
    mode = "actual";
    setHeight(ACTUAL);
    setBox(full.x, full.y, (canvas.clientWidth || 600) / ACTUAL);
  }

  function zoomBy(factor, cx, cy) {
    cx = cx === undefined ? box0.x + box0.w / 2 : cx;
    cy = cy === undefined ? box0.y + box0.h / 2 : cy;
    setBox(cx - (cx - box0.x) * factor, cy - (cy - box0.y) * factor, box0.w * factor);
    mode = "zoom";
  }

  function toPicture(clientX, clientY) {
    const r = canvas.getBoundingClientRect();
    return {
      x: box0.x + ((clientX - r.left) / r.width) * box0.w,
      y: box0.y + ((clientY - r.top) / r.height) * box0.h,
    };
  }

  function setText(element, index, text) {
    const g = svg.querySelector(`[id="${element}"]`);
    if (!g) return;
    const t = g.querySelectorAll("text")[index];
    if (t && t.textContent !== text) t.textContent = text;
  }

  function keepInView(element) {
    const g = svg.querySelector(`[id="${element}"]`);
    if (!g) return;
    const r = g.getBoundingClientRect(), c = canvas.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    if (r.left >= c.left && r.right <= c.right && r.top >= c.top && r.bottom <= c.bottom) return;
    const middle = toPicture((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    setBox(middle.x - box0.w / 2, middle.y - box0.h / 2, box0.w);
  }

  function render() {
    if (!stepping) return;
    const k = Math.max(first, step);
    apply(k);
    const texts = views[view].slots;
    for (const slot in texts) {
      const text = state[slot] === undefined ? null : state[slot];
      if (text === null) continue;
      for (const [element, index] of texts[slot]) setText(element, index, text);
    }
    for (const el of svg.querySelectorAll(".sg-active, .sg-active-edge"))
      el.classList.remove("sg-active", "sg-active-edge");
    const s = steps[k - first];
    const node = elementOf(s.node, view);
    if (node) {
      const g = svg.querySelector(`[id="${node}"]`);
      if (g) g.classList.add("sg-active");
    }
    let edge = null;
    if (s.edge) {
      const own = `e${s.edge[0]}_${s.edge[1]}`;
      if (svg.querySelector(`[id="${own}"]`)) edge = own;
      else {
        const consumer = elementOf(s.edge[0], view);
        const tail = elementOf(s.node, view) || "hidden";
        const head = consumer && consumer.startsWith("v") ? consumer + "op" : consumer;
        edge = views[view].links[`${tail}>${head}`] || null;
      }
      if (edge) svg.querySelector(`[id="${edge}"]`).classList.add("sg-active-edge");
    }
    keepInView(edge || node);
    slider.value = k;
    number.textContent = `step ${k} of ${total - 1}`;
    equation.textContent = `${s.phase}: ${content(k).equation}`;
    if (ask) renderQuiz(k);
  }

  // Step k, or the first open question before it.
  function go(k) {
    k = Math.max(first, Math.min(last, k));
    const held = ask !== null && k > gate();
    if (held) k = gate();
    if (k === step) {
      slider.value = step;
      if (held) nudge();
      return;
    }
    step = k;
    render();
    if (held) nudge();
    else if (ask && ask.questions.has(k) && ask.questions.get(k).status === "open") answerHere();
    if (options.onStep) options.onStep(k);
  }

  function nudge() {
    const q = ask.questions.get(step);
    [q.feedback, q.mood] = ["answer this question, or show the answer, to go on", ""];
    renderQuiz(step);
    answerHere();
  }

  // The answer box takes the keys, if the reader is using the viewer (not on loading).
  function answerHere() {
    if (root.contains(document.activeElement)) ask.input.focus({ preventScroll: true });
  }

  function toggle() {
    if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ play"; return; }
    if (step >= last) go(first);
    play.textContent = "❚❚ pause";
    timer = setInterval(() => {
      if (step < Math.min(last, ask ? gate() : last)) go(step + 1);
      else toggle();
    }, 700);
  }

  bar.addEventListener("click", (e) => {
    const action = e.target.dataset && e.target.dataset.action;
    if (action === "previous") go(step - 1);
    else if (action === "next") go(step + 1);
    else if (action === "play") toggle();
    else if (action === "zoom-in") zoomBy(1 / 1.25);
    else if (action === "zoom-out") zoomBy(1.25);
    else if (action === "fit") fit(false);
    else if (action === "actual") actual();
  });
  if (slider) slider.addEventListener("input", () => go(Number(slider.value)));
  if (ask) {
    ask.row.addEventListener("click", (e) => {
      const action = e.target.dataset && e.target.dataset.action;
      if (action === "check") check();
      else if (action === "reveal") reveal();
      else if (action === "hint") { ask.questions.get(step).hinted = true; renderQuiz(step); }
    });
    ask.input.addEventListener("input", () => { ask.questions.get(step).typed = ask.input.value; });
    ask.input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); check(); } });
  }
  // Notebook 7 takes arrow keys for its own shortcuts in the document's capture phase,
  // before they reach the viewer: listen earlier, on the window, for keys aimed at it.
  function onKey(e) {
    if (!root.isConnected) { window.removeEventListener("keydown", onKey, true); return; }
    if (!stepping || !root.contains(e.target) || e.target === slider) return;
    if (ask && e.target === ask.input) return;
    if (e.key === "ArrowRight") go(step + 1);
    else if (e.key === "ArrowLeft") go(step - 1);
    else if (e.key === " ") toggle();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }
  window.addEventListener("keydown", onKey, true);
  // The wheel zooms once the viewer has focus (a click on it), or with Ctrl; before
  // that it scrolls the page as usual.
  canvas.addEventListener("wheel", (e) => {
    if (!root.contains(document.activeElement) && !e.ctrlKey) return;
    e.preventDefault();
    const p = toPicture(e.clientX, e.clientY);
    zoomBy(e.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  }, { passive: false });
  let drag = null;
  canvas.addEventListener("pointerdown", (e) => {
    root.focus({ preventScroll: true });
    if (e.target.closest && e.target.closest(".sg-opens")) return;
    drag = { x: e.clientX, y: e.clientY, box: Object.assign({}, box0) };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const scale = drag.box.w / canvas.clientWidth;
    setBox(drag.box.x - (e.clientX - drag.x) * scale, drag.box.y - (e.clientY - drag.y) * scale, drag.box.w);
  });
  canvas.addEventListener("pointerup", () => { drag = null; });
  if (typeof ResizeObserver !== "undefined") {
    let width = 0;
    new ResizeObserver(() => {
      if (canvas.clientWidth === width) return;
      width = canvas.clientWidth;
      if (mode === "fit" || mode === "readable") fit(mode === "readable");
      else setBox(box0.x, box0.y, box0.w);
    }).observe(root);
  }

  state = Object.assign({}, data.initial);
  done = first - 1;
  show(0);
  fit(true);
  go(Math.max(first, Math.min(last, data.start || 0, ask ? gate() : last)));
  return { go, show, fit, actual, zoomBy, get step() { return step; }, get view() { return view; } };
}

stepgradViewer.mountAll = function () {
  for (const root of document.querySelectorAll(".stepgrad-viewer:not(.sg-ready)")) {
    const source = root.querySelector("script.sg-data");
    if (!source) continue;
    const data = JSON.parse(source.textContent);
    const style = root.querySelector("style");
    stepgradViewer(root, data);
    if (style) root.prepend(style);
  }
};
