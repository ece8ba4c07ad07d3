"""Quizzes: which steps are asked, the answers, bad options, pages that hide their answers,
and a student answering in a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_viewer import BOXES, open_page

import autograd
from autograd import OPS, Stepper, Value
from autograd.quiz import Quiz, seal, unseal
from autograd.scene import number


def fan_out() -> Stepper:
    """y = σ(a · b) + a: `a` is used twice, so backward adds two messages into δ_a."""
    a, b = Value(0.8137, label="a"), Value(-1.2929, label="b")
    s = a * b
    s.label = "s"
    h = s.sigmoid()
    h.label = "h"
    y = h + a
    y.label = "y"
    return Stepper(y, learning_rate=0.1, parameters=[a, b])


def network() -> tuple[Stepper, Value]:
    """Lecture 005's 2-2-2 network (Matt Mazur's worked example) and its loss."""
    w = [
        Value(v, label=f"w{i}")
        for i, v in enumerate([0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55], 1)
    ]
    b1, b2 = Value(0.35, label="b1"), Value(0.6, label="b2")

    def neuron(name: str, weights: list[Value], bias: Value, inputs: list) -> Value:
        out = autograd.dot([*weights, bias], [*inputs, 1.0]).sigmoid()
        out.label = f"out_{name}"
        return out

    h1 = neuron("h1", w[0:2], b1, [0.05, 0.1])
    h2 = neuron("h2", w[2:4], b1, [0.05, 0.1])
    o1 = neuron("o1", w[4:6], b2, [h1, h2])
    o2 = neuron("o2", w[6:8], b2, [h1, h2])
    loss = 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2
    loss.label = "E_total"
    return Stepper(loss, learning_rate=0.5, parameters=w), loss


def asked(stepper: Stepper, **options) -> list[int]:
    return [q.step for q in Quiz(**options).questions(stepper, range(len(stepper)))]


def test_which_steps_are_asked() -> None:
    stepper, _ = network()
    backward = [k for k, step in enumerate(stepper) if step.phase == "backward"]
    assert len(backward) == 28
    assert asked(stepper) == backward
    assert asked(stepper, ask="upstream", every=5) == backward[::5]
    assert asked(stepper, ask="update") == [k for k, s in enumerate(stepper) if s.phase == "update"]
    seen, fan_outs = set(), []
    for k, step in enumerate(stepper):
        if step.phase == "backward":
            if step.node in seen:
                fan_outs.append(k)
            seen.add(step.node)
    assert asked(stepper, ask="sum") == fan_outs
    assert {stepper[k].node.label for k in fan_outs} == {"out_h1", "out_h2", "b1", "b2"}
    drawn = asked(stepper, sample=6, seed=0)
    assert drawn == asked(stepper, sample=6, seed=0) == sorted(drawn)
    assert len(drawn) == 6 and set(drawn) <= set(backward)
    assert asked(stepper, sample=6, seed=1) != drawn


def test_answers_are_the_steppers_own_numbers() -> None:
    stepper, loss = network()
    loss.backward()
    window = range(len(stepper))
    for q in Quiz(ask="local_grad").questions(stepper, window):
        assert q.answer == stepper[q.step].local_grad
    for q in Quiz(ask="upstream").questions(stepper, window):
        assert q.answer == stepper[q.step].upstream == stepper[q.step].sender.grad
    for q in Quiz(ask="message").questions(stepper, window):
        assert q.answer == stepper[q.step].local_grad * stepper[q.step].upstream
    totals = {}
    for q in Quiz(ask="sum").questions(stepper, window):
        step = stepper[q.step]
        assert q.answer == step.value
        totals[step.node] = q.answer
    assert all(total == node.grad for node, total in totals.items())  # the last sum is grad
    for q in Quiz(ask="update").questions(stepper, window):
        node = stepper[q.step].node
        assert q.answer == node.data - 0.5 * node.grad
        assert q.accepted[0] == q.answer


def test_a_question_hides_its_answer_and_what_follows_from_it() -> None:
    stepper = fan_out()
    window = range(len(stepper))
    equations = {
        ask: [q.shown.equation for q in Quiz(ask=ask).questions(stepper, window)]
        for ask in ("local_grad", "upstream", "message", "sum", "update")
    }
    assert equations["message"][3] == "δ_a += δ_s · ∂s/∂a = 0.1918 · ? = ?  (δ_a = ?)"
    assert equations["local_grad"][3] == equations["message"][3]
    assert equations["upstream"][3] == "δ_a += δ_s · ∂s/∂a = ? · (-1.293) = ?  (δ_a = ?)"
    assert equations["sum"] == ["δ_a += δ_s · ∂s/∂a = 0.1918 · (-1.293) = -0.248  (δ_a = ?)"]
    assert equations["update"][0] == "a ← a − η δ_a = 0.8137 − 0.1 · 0.752 = ?"
    prompts = [q.prompt for q in Quiz(ask="sum").questions(stepper, window)]
    assert prompts == ["δ_a += δ_s · ∂s/∂a: what is δ_a, the running sum after this message?"]


def test_a_sum_that_nearly_cancels_takes_what_the_pages_numbers_give() -> None:
    x = Value(1.0, label="x")
    y = x * 0.50004 + x * -0.5
    stepper = Stepper(y)
    (question,) = Quiz(ask="sum").questions(stepper, range(len(stepper)))
    assert question.answer == pytest.approx(4e-5)
    assert question.accepted == (question.answer, 0.0)  # -0.5 + 0.5 as the page shows them


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"ask": "grad"}, ValueError, "ask must be one of local_grad, upstream, message, sum, "),
        ({"every": 0}, ValueError, "quiz: every must be >= 1, got 0"),
        ({"every": 1.5}, TypeError, "quiz: every must be an int, got 1.5"),
        ({"sample": True}, TypeError, "quiz: sample must be an int, got True"),
        ({"every": 2, "sample": 3}, ValueError, "not both .got every=2, sample=3"),
        ({"seed": "1"}, TypeError, "quiz: seed must be an int, got '1'"),
        ({"rtol": 0}, ValueError, "rtol must be between 0 and 1, got 0"),
        ({"rtol": "0.1"}, TypeError, "quiz: rtol: expected a real number, got '0.1'"),
    ],
)
def test_bad_options_say_which_and_why(options: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        fan_out().quiz(**options)


def test_a_quiz_the_graph_cannot_ask_says_why() -> None:
    a = Value(2.0, label="a")
    with pytest.raises(ValueError, match="ask='update' needs a stepper made with a learning"):
        Stepper(a * 3.0).quiz(ask="update")
    with pytest.raises(ValueError, match=r"no step to ask 'sum' at.*a fan-out"):
        Stepper(a * 3.0).quiz(ask="sum")
    with pytest.raises(ValueError, match="sample=6 is more than the 5 step"):
        fan_out().quiz(sample=6)
    with pytest.raises(ValueError, match=r"steps 0 to 3 \(the page, max_steps\) have no step"):
        fan_out().quiz(max_steps=4)
    with pytest.raises(TypeError, match="quiz must be True, False or a Quiz"):
        fan_out().to_html("never.html", quiz="yes")


def test_seals_open_with_their_key_and_nonce_only() -> None:
    value = {"equation": "δ_a += 0.1918 · (-1.293) = -0.248", "accepted": [-0.248]}
    sealed = seal(value, key=1234, nonce=16)
    assert unseal(sealed, 1234, 16) == value
    assert "0.1918" not in sealed and sealed != seal(value, key=1234, nonce=17)
    with pytest.raises(ValueError):  # garbage: not UTF-8, or not JSON
        unseal(sealed, 1234, 17)


def answer_pattern(text: str) -> re.Pattern:
    """The number `text` as a whole number on a page, not the tail of 10.248."""
    return re.compile(rf"(?<![\d.]){re.escape(text)}(?!\d)")


@pytest.mark.parametrize("ask", ["message", "sum", "update"])
def test_a_quiz_page_holds_none_of_its_answers(tmp_path, dot_program: str, ask: str) -> None:
    stepper = fan_out()
    questions = Quiz(ask=ask).questions(stepper, range(len(stepper)))
    answers = {number(q.answer) for q in questions} - {"1"}
    assert len(answers) == {"message": 3, "sum": 1, "update": 2}[ask]
    quiz = Path(stepper.to_html(str(tmp_path / "quiz.html"), quiz=Quiz(ask=ask))).read_text()
    plain = Path(stepper.to_html(str(tmp_path / "plain.html"))).read_text()
    for text in answers:
        assert answer_pattern(text).search(plain), text  # written as the viewer writes it
        assert not answer_pattern(text).search(quiz), text
    assert "data 0.8137" in quiz  # what comes before the first question is there


def test_a_quiz_page_is_laid_out_as_the_viewer_is(dot_program: str) -> None:
    stepper = fan_out()
    shapes = re.compile(r'(?:points|d)="[^"]*"')
    plain, quiz = stepper.show().data, stepper.quiz().data
    assert shapes.findall(quiz["views"][0]["svg"]) == shapes.findall(plain["views"][0]["svg"])
    texts = re.findall(r"<text\b[^>]*>([^<]*)</text>", quiz["views"][0]["svg"])
    assert texts.count("data ?") == texts.count("grad ?") == 5  # as before the passes
    assert texts.count("") == 5 and not any(re.search(r"\d", text) for text in texts)
    viewer = stepper.quiz()
    assert [viewer.texts_at(k) for k in range(len(stepper))] == [
        stepper.show().texts_at(k) for k in range(len(stepper))
    ]
    bundle = viewer._repr_mimebundle_()
    assert bundle["text/plain"] == "<stepgrad quiz: 5 questions in 12 steps>"


VISIBLE = "() => document.body.innerText"


def step_to(page, k: int) -> None:
    page.fill(".sg-slider", str(k))
    page.dispatch_event(".sg-slider", "input")


def answer(page, text: str) -> str:
    page.fill(".sg-answer", text)
    page.press(".sg-answer", "Enter")
    return page.text_content(".sg-feedback")


def test_a_student_answers_in_a_real_browser(tmp_path, dot_program: str, browser) -> None:
    stepper = fan_out()
    path = Path(stepper.to_html(str(tmp_path / "quiz.html"), quiz=True))
    page, errors, requests = open_page(browser, path)
    layout = page.evaluate(BOXES)
    hidden = [answer_pattern(t) for t in ("0.1918", "-0.248", "0.1561", "0.752", "0.7385")]
    assert page.text_content(".sg-score") == "score: 0 of 5 right"
    assert page.text_content(".sg-question") == "next question at step 5"
    assert not any(p.search(page.evaluate(VISIBLE)) for p in hidden)
    assert "data 0.8137" in page.evaluate(VISIBLE)  # the picture's texts are visible text

    for _ in range(7):  # the viewer stops at the first question, step 5
        page.click("[data-action=next]")
    assert page.text_content(".sg-number") == "step 5 of 11"
    assert "answer this question, or show the answer, to go on" in page.text_content(".sg-quiz")
    step_to(page, 11)
    assert page.text_content(".sg-number") == "step 5 of 11"
    assert page.text_content(".sg-equation") == "backward: δ_h += δ_y · ∂y/∂h = 1 · ? = ?"
    assert page.text_content(".sg-question") == (
        "question 1 of 5: δ_h += δ_y · ∂y/∂h: what is the message δ_y · ∂y/∂h?"
    )
    assert page.evaluate(BOXES) == layout
    assert "is not a number" in answer(page, "1,0")
    assert answer(page, "2") == "not quite, try again"
    assert page.text_content(".sg-score") == "score: 0 of 5 right"
    page.press(".sg-answer", "ArrowRight")  # keys typed into the box do not step
    assert page.text_content(".sg-number") == "step 5 of 11"
    assert answer(page, " 1 ") == "right"
    assert page.text_content(".sg-score") == "score: 1 of 5 right"
    assert page.text_content(".sg-equation") == "backward: δ_h += δ_y · ∂y/∂h = 1 · 1 = 1"

    page.click("[data-action=next]")
    page.click("[data-action=reveal]")  # question 2: the answer shown, and not counted
    assert page.text_content(".sg-feedback") == "the answer is 1"
    page.click("[data-action=next]")  # question 3: the message σ'(s) · 1 from h to s
    assert not any(p.search(page.evaluate(VISIBLE)) for p in hidden)
    page.click("[data-action=hint]")
    assert OPS["sigmoid"].rule in page.text_content(".sg-hint")
    assert answer(page, "0.1918") == "right"
    page.click("[data-action=next]")  # question 4: -0.248, typed in a form of its own
    assert answer(page, "-2.48e-1") == "right"
    page.click("[data-action=next]")
    page.click("[data-action=reveal]")
    assert page.text_content(".sg-feedback") == "the answer is 0.1561"
    assert page.text_content(".sg-equation").endswith("= 0.1918 · 0.8137 = 0.1561")
    page.click("[data-action=next]")
    assert page.text_content(".sg-question") == "every question done"
    assert page.text_content(".sg-score") == "score: 3 of 5 right"
    assert page.text_content(".sg-number") == "step 10 of 11"
    for k in range(12):
        step_to(page, k)
        assert page.evaluate(BOXES) == layout
    assert all(p.search(page.evaluate(VISIBLE)) for p in hidden)  # all shown at the end
    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests)
    page.close()


def test_play_stops_at_the_first_open_question(tmp_path, dot_program: str, browser) -> None:
    path = Path(fan_out().to_html(str(tmp_path / "quiz.html"), quiz=Quiz(ask="sum")))
    page = browser.new_page(viewport={"width": 1108, "height": 900})
    page.clock.install()
    page.goto(path.as_uri())
    page.wait_for_selector(".stepgrad-viewer.sg-ready")
    page.click("[data-action=play]")
    page.clock.run_for(20_000)  # 0.7 s a step: far past the end, were it not held
    assert page.text_content(".sg-number") == "step 8 of 11"
    assert page.text_content("[data-action=play]") == "▶ play"
    assert page.evaluate("document.activeElement.className") == "sg-answer"
    page.keyboard.type("0.752")
    page.keyboard.press("Enter")
    assert page.text_content(".sg-feedback") == "right"
    assert page.text_content(".sg-score") == "score: 1 of 1 right"
    page.close()
