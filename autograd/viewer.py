"""stepgrad's viewer: one laid-out picture, the steps as data, and a small script.

The same component shows a drawing, a stepper in a notebook (`Stepper.show`), the live
widget (`Stepper.widget`, anywidget) and a self-contained HTML page (`Stepper.to_html`). The
graph is laid out once, by `dot`, with every label at its final text; a step then changes
only texts and colours in the browser, so nothing moves between steps and a step costs no
`dot` run. The boxes of a summarised graph are laid out as pictures of their own, opened
by a click, up to a budget of nodes per page. The page needs no kernel and no network:
the script and the data are in it.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from autograd import scene as scenes
from autograd.drawing import Drawing, Texts, layout, write_atomically
from autograd.quiz import seal, unseal
from autograd.rendering import RenderTimeout, run_dot
from autograd.scene import Scene
from autograd.value import Value

if TYPE_CHECKING:
    from autograd.quiz import Quiz
    from autograd.stepping import Step, Stepper

PAGE_NODES = 1000
"""At most this many nodes are laid out for one page, over all its pictures; boxes beyond
it do not open, and say so."""
PAGE_SECONDS = 20.0
"""At most this long is spent laying out the pictures of one page."""
MAX_STEPS = 5_000
"""A stepper's page holds at most this many steps by default, around the step it opens at."""
MAX_EQUATION = 400
"""Longer equations (a Σ of thousands of terms) are shortened on the page."""
PAGE_WORK = 200_000
"""Boxes are opened for a page while the nodes they hold add up to at most this many."""


_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
_ELEMENT_OR_TEXT = re.compile(r'<g id="([^"]*)" class="[^"]*">|(<text\b[^>]*>)[^<]*(</text>)')


def script() -> str:
    """The viewer's script: `stepgradViewer(root, data, options)` and `mountAll()`."""
    return resources.files("autograd").joinpath("viewer.js").read_text(encoding="utf-8")


def style() -> str:
    """The viewer's style sheet, scoped to `.stepgrad-viewer`."""
    return resources.files("autograd").joinpath("viewer.css").read_text(encoding="utf-8")


class Viewer:
    """The pictures of one graph (the whole, and the inside of each box), the steps that
    change their texts, and the step shown first. Jupyter displays it; `to_html` writes it
    as a page; `data` is what the script reads."""

    def __init__(self, data: dict) -> None:
        self.data = data

    @classmethod
    def of_drawing(cls, drawing: Drawing) -> Viewer:
        """A drawing with its boxes openable, and no steps."""
        views = _views(
            drawing.pictures,
            drawing.scene,
            drawing.texts,
            stepping=False,
            first=drawing,
            **drawing.options,
        )
        return cls({"views": views, "steps": [], "first": 0, "total": 0, "initial": {}, "start": 0})

    @classmethod
    def of_stepper(
        cls,
        stepper: Stepper,
        *,
        start: int = 0,
        max_nodes: int = 150,
        max_steps: int = MAX_STEPS,
        quiz: Quiz | None = None,
    ) -> Viewer:
        """The stepper's graph laid out with the texts of its last step, and its steps as
        the texts they change: all of them, or the `max_steps` around step `start` (a page
        of a 10^5-node graph would otherwise hold hundreds of thousands).

        With a `quiz`, the page asks its questions (see `autograd.quiz`): its pictures
        hold the texts of before the passes, and every step from the first question on is
        sealed, as is each question's answer."""
        total = len(stepper.steps)
        if not 0 <= start < max(total, 1):
            raise IndexError(f"Stepper: step {start} is not one of 0 to {total - 1}")
        if not isinstance(max_steps, int) or max_steps < 1:
            raise ValueError(f"Stepper: max_steps must be a whole number ≥ 1, got {max_steps!r}")
        first = max(0, min(start - max_steps // 2, total - max_steps))
        window = range(first, min(total, first + max_steps))
        questions = [] if quiz is None else quiz.questions(stepper, window)
        asked = {question.step: question for question in questions}
        pictures = scenes.Pictures(stepper.root, max_nodes=max_nodes)
        scene = pictures.scene()
        changes, final, masked = stepper_texts(
            stepper, scene.place, {k: question.shown for k, question in asked.items()}
        )
        initial = {slot: _before(slot) for slot in final}
        for change in changes[:first]:
            initial.update(change)

        def texts(_: Scene) -> _Final:
            return _Final(final, scene.place)

        views = _views(pictures, scene, texts, show="both", rankdir=stepper.rankdir, stepping=True)
        if quiz is not None:
            for view in views:
                view["svg"] = _blanked(view["svg"], view["slots"])
        shown = {slot for view in views for slot in view["slots"]}
        initial = {slot: text for slot, text in initial.items() if slot in shown}

        def content(step: Step, change: dict[str, str]) -> dict:
            texts = {slot: text for slot, text in change.items() if slot in shown}
            return {"equation": _shortened(step.equation), "texts": texts}

        sealed_from = min(asked, default=total)
        steps = []
        for k in window:
            step = stepper.steps[k]
            edge = None if step.sender is None else [scene.place[step.sender], step.position]
            data = {"phase": step.phase, "node": scene.place[step.node], "edge": edge}
            if k < sealed_from:
                data.update(content(step, changes[k]))
            elif k in asked:
                data["sealed"] = seal(content(asked[k].shown, masked[k]), quiz.key, 2 * k)
            else:
                data["sealed"] = seal(content(step, changes[k]), quiz.key, 2 * k)
            steps.append(data)
        note = (
            ""
            if len(window) == total
            else f"steps {first:,} to {window[-1]:,} of {total:,} in this page (max_steps="
            f"{max_steps:,}); stepper.show(k) centres another {max_steps:,} on step k"
        )
        data = {
            "views": views,
            "steps": steps,
            "first": first,
            "total": total,
            "initial": initial,
            "start": start,
            "note": note,
        }
        if quiz is not None:
            data["quiz"] = {
                "rtol": quiz.rtol,
                "key": quiz.key,
                "questions": [
                    {
                        "step": k,
                        "prompt": question.prompt,
                        "hint": question.hint,
                        "answer": seal(
                            {
                                "accepted": question.accepted,
                                "answer": scenes.number(question.answer),
                                **content(stepper.steps[k], changes[k]),
                            },
                            quiz.key,
                            2 * k + 1,
                        ),
                    }
                    for k, question in asked.items()
                ],
            }
        return cls(data)

    def texts_at(self, k: int) -> dict[str, str]:
        """Every slot's text once step k is done ("d12" data, "g12" grad, "m12_0" message);
        in a quiz, with the answers of its questions up to step k."""
        state = dict(self.data["initial"])
        first = self.data["first"]
        quiz = self.data.get("quiz", {"key": 0, "questions": []})
        answers = {question["step"]: question["answer"] for question in quiz["questions"]}
        for j, step in enumerate(self.data["steps"][: k + 1 - first], start=first):
            if j in answers:
                step = unseal(answers[j], quiz["key"], 2 * j + 1)
            elif "sealed" in step:
                step = unseal(step["sealed"], quiz["key"], 2 * j)
            state.update(step["texts"])
        return state

    def fragment(self) -> str:
        """The viewer as an HTML element with its data and script, for a notebook."""
        top = self.data["views"][0]
        payload = json.dumps(self.data, separators=(",", ":")).replace("<", "\\u003c")
        return (
            f'<div class="stepgrad-viewer"><style>{style()}</style>'
            f'<div class="sg-fallback">{top["svg"]}</div>'
            f'<script type="application/json" class="sg-data">{payload}</script>'
            f"<script>{script()}\nstepgradViewer.mountAll();</script></div>"
        )

    def page(self, title: str = "stepgrad: backprop step by step") -> str:
        return (
            f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}'
            f'</title><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"</head><body>\n{self.fragment()}\n</body></html>\n"
        )

    def to_html(self, path: str) -> str:
        """Write the viewer as one self-contained page, whole or not at all; returns the path."""
        write_atomically(Path(path), self.page().encode("utf-8"))
        return str(path)

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        steps = len(self.data["steps"])
        plain = f"<stepgrad viewer: {steps} steps>" if steps else "<stepgrad drawing>"
        if "quiz" in self.data:
            questions = len(self.data["quiz"]["questions"])
            plain = f"<stepgrad quiz: {questions} questions in {steps} steps>"
        return {"text/html": self.fragment(), "text/plain": plain}


class _Final:
    """The texts of a stepper's last step, looked up by slot."""

    note = ""
    marks: Mapping = {}

    def __init__(self, final: Mapping[str, str], place: Mapping[Value, int]) -> None:
        self.final, self.place = final, place

    def data(self, node: Value) -> str:
        return self.final.get(_key(("d", node), self.place), scenes.data_text(node.data))

    def grad(self, node: Value) -> str:
        return self.final.get(_key(("g", node), self.place), "grad ?")

    def message(self, consumer: Value, position: int) -> str:
        return self.final.get(_key(("m", consumer, position), self.place), "")


def _shortened(equation: str) -> str:
    if len(equation) <= MAX_EQUATION:
        return equation
    return f"{equation[: MAX_EQUATION // 2]} … {equation[-MAX_EQUATION // 4 :]}"


def _before(slot: str) -> str:
    return {"d": "data ?", "g": "grad ?", "m": ""}[slot[0]]


def _blanked(svg: str, slots: Mapping[str, list[tuple[str, int]]]) -> str:
    """The picture `svg` with each slot's text as before the passes ("data ?", "grad ?",
    no message), where it stood: a quiz page's pictures, laid out as the viewer's, and
    holding no answer. A slot's text is the index-th text of its element's group."""
    blanks = {place: _before(slot) for slot, places in slots.items() for place in places}
    element, count = "", 0

    def blank(match: re.Match) -> str:
        nonlocal element, count
        if match[1] is not None:
            element, count = match[1], 0
            return match[0]
        count += 1
        text = blanks.get((element, count - 1))
        return match[0] if text is None else f"{match[2]}{html.escape(text)}{match[3]}"

    return _ELEMENT_OR_TEXT.sub(blank, svg)


def stepper_texts(
    stepper: Stepper, place: Mapping[Value, int], asked: Mapping[int, Step] = {}
) -> tuple[list[dict], dict, dict[int, dict]]:
    """The texts each step changes, every slot's text after the last step, and the texts
    step k changes as `asked[k]` (a quiz's step with hidden numbers) shows it, where each
    hidden number, and every number computed from it, is ?."""
    changes: list[dict[str, str]] = []
    masked: dict[int, dict[str, str]] = {}
    messages: dict[Value, list[float]] = {}
    final: dict[str, str] = {}
    root_grad = _key(("g", stepper.root), place)
    for k, step in enumerate(stepper.steps):
        received = messages.setdefault(step.node, [])
        first_message = step.phase == "backward" and root_grad not in final
        root = {root_grad: scenes.grad_text([], 1.0)} if first_message else {}
        if k in asked:
            hidden = _change(asked[k], received, place) | root
            masked[k] = {slot: text.replace("nan", "?") for slot, text in hidden.items()}
        change = _change(step, received, place) | root
        if step.phase == "backward":
            received.append(step.local_grad * step.upstream)
        final.update(change)
        changes.append(change)
    return changes, final, masked


def _change(step: Step, received: list[float], place: Mapping[Value, int]) -> dict[str, str]:
    """The texts `step` changes, after its receiver has `received` these messages. A
    HIDDEN number (NaN) is written nan: slot texts hold only numbers and the words data
    and grad, so the caller can write ? for it."""
    data, grad = _key(("d", step.node), place), _key(("g", step.node), place)
    if step.phase == "forward":
        return {data: scenes.data_text(step.value)}
    if step.phase == "update":
        return {data: f"data {scenes.number(step.node.data)} → {scenes.number(step.value)}"}
    received.append(step.local_grad * step.upstream)  # for a moment, not to copy the list
    change = {
        _key(("m", step.sender, step.position), place): scenes.message_text(
            step.local_grad, step.upstream
        ),
        grad: scenes.grad_text(received, step.value),
    }
    received.pop()
    return change


def _views(
    pictures: scenes.Pictures,
    top: Scene,
    texts: Callable[[Scene], Texts],
    *,
    show: str,
    rankdir: str,
    stepping: bool,
    highlight: tuple[Value, ...] = (),
    first: Drawing | None = None,
) -> list[dict]:
    """Lay out the picture `top` (or take the drawing `first` of it, as it is) and, breadth
    first, the inside of its boxes, while the page's budget of nodes, work and time lasts.
    A page that steps also gets, per node, where it is best seen (`home`), to highlight
    the step's node in any picture."""
    started = time.monotonic()
    views: list[dict] = []
    unopened: dict[tuple[int, str], list[Value]] = {}
    queue: list[tuple[Scene, int, str]] = [(top, -1, "")]
    drawn = work = 0
    while queue:
        scene, parent, opened_by = queue.pop(0)
        drawing = first if parent == -1 and first is not None else None
        if drawing is None:
            drawing = layout(
                scene, texts(scene), show=show, rankdir=rankdir, highlight=highlight, note=False
            )
        remaining = PAGE_SECONDS - (time.monotonic() - started)
        try:
            svg = run_dot(drawing.source, timeout=min(max(remaining, 1.0), drawing.timeout))
        except RenderTimeout:
            if parent == -1:
                raise
            unopened[parent, opened_by] = list(scene.members)
            continue
        if parent != -1:
            views[parent]["boxes"][opened_by] = len(views)
        views.append(_view(scene, drawing, svg.decode(), parent, opened_by, drawing is first))
        drawn += len(scene.nodes) + len(scene.boxes)
        for element, key in drawing.picture.boxes.items():
            box = next(b for b in scene.boxes if b.key == key)
            size = min(len(box.members), pictures.max_nodes)
            work += len(box.members)
            views[-1]["boxes"][element] = -1
            too_late = time.monotonic() - started > PAGE_SECONDS / 2
            if drawn + size > PAGE_NODES or work > PAGE_WORK or too_late:
                unopened[len(views) - 1, element] = box.members
                continue
            drawn += size
            queue.append((pictures.inside(scene, box), len(views) - 1, element))
    if stepping:
        views[0]["home"] = _homes(views, unopened, top.place)
    return views


def _view(
    scene: Scene, drawing: Drawing, svg: str, parent: int, opened_by: str, noted: bool
) -> dict:
    """What the script needs of one picture: its SVG, where each slot's text is, which
    nodes it draws, its edges between boxes, and the box of its parent it opens from."""
    place = scene.place
    return {
        "path": list(scene.path),
        "note": "" if noted else drawing.note,
        "svg": _COMMENT.sub("", svg[svg.index("<svg") :]),
        "slots": {_key(slot, place): where for slot, where in drawing.picture.slots.items()},
        "drawn": [place[n] for n in scene.nodes],
        "inputs": [place[n] for n in scene.inputs],
        "hiddenInputs": [place[n] for n in scene.hidden_inputs],
        "links": {f"{a}>{b}": e for (a, b), e in drawing.picture.links.items()},
        "boxes": {},
        "parent": parent,
        "openedBy": opened_by,
    }


def _homes(
    views: list[dict], unopened: dict[tuple[int, str], list[Value]], place: dict[Value, int]
) -> dict[str, list]:
    """Where each node is best seen: the deepest picture that draws it (element "" is its
    own box, "v12"), or the picture whose unopened box holds it (that box's element)."""
    view_of = [0] * len(place)
    element_of = [""] * len(place)
    held: dict[int, list[tuple[str, list[Value]]]] = {}
    for (index, element), members in unopened.items():
        held.setdefault(index, []).append((element, members))
    for index, view in enumerate(views):
        for element, members in held.get(index, []):
            for node in members:
                view_of[place[node]], element_of[place[node]] = index, element
        for number in view["drawn"]:
            view_of[number], element_of[number] = index, ""
    return {"view": view_of, "element": element_of}


def _key(slot: tuple, place: Mapping[Value, int]) -> str:
    """A slot's name on the page: ("d", node) -> "d12" (data), ("g", node) -> "g12"
    (grad), ("m", consumer, position) -> "m14_0" (message), by topological place."""
    if slot[0] == "m":
        return f"m{place[slot[1]]}_{slot[2]}"
    return f"{slot[0]}{place[slot[1]]}"
