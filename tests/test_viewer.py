"""The viewer: one layout per graph, steps as data, budgets, and stepping in a real browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import require

import autograd
from autograd import Stepper, Value
from autograd.viewer import Viewer


def small_stepper() -> Stepper:
    w, x = Value(0.5, label="w"), Value(1.5, label="x")
    s = w * x
    s.label = "s"
    y = s.sigmoid() + s
    y.label = "y"
    return Stepper(y, learning_rate=0.1, parameters=[w])


def demo_sample() -> Value:
    """One training sample through micrograd's demo MLP (2-16-16-1) and its hinge loss."""
    from nn import MLP

    model = MLP(2, [16, 16, 1], seed=1337)
    return (1 + -1.0 * model([0.5, -0.3])).relu()


def test_a_page_is_one_svg_per_picture_and_the_steps_as_data(tmp_path, dot_program: str) -> None:
    stepper = small_stepper()
    page = Path(stepper.to_html(str(tmp_path / "steps.html"))).read_text(encoding="utf-8")
    assert page.count("<svg") == 1  # the first picture, for a page without script
    data = json.loads(re.search(r'class="sg-data">(.*?)</script>', page).group(1))
    assert len(data["views"]) == 1 and len(data["steps"]) == len(stepper) == 11
    assert all(set(step["texts"]) for step in data["steps"])
    assert not re.search(r"""(src|href)=["']?https?:""", page) and "<link" not in page


def test_every_name_of_the_stepper_is_on_the_picture(dot_program: str) -> None:
    stepper = small_stepper()
    svg = stepper.show().data["views"][0]["svg"]
    for name in stepper.names.values():
        assert f">{name}</text>" in svg


def test_one_sample_of_the_demo_writes_a_small_page(tmp_path, dot_program: str) -> None:
    stepper = Stepper(demo_sample(), learning_rate=0.1)
    assert 1_300 < len(stepper) < 1_500
    path = Path(stepper.to_html(str(tmp_path / "demo.html")))
    assert path.stat().st_size < 3_000_000
    data = json.loads(re.search(r'class="sg-data">(.*?)</script>', path.read_text()).group(1))
    top = data["views"][0]
    assert sorted(data["views"][child]["path"][-1] for child in top["boxes"].values()) == [
        "layers.0",
        "layers.1",
        "layers.2",
    ]
    assert all(child >= 0 for view in data["views"] for child in view["boxes"].values())


def test_boxes_beyond_the_page_budget_do_not_open(
    monkeypatch: pytest.MonkeyPatch, dot_program: str
) -> None:
    monkeypatch.setattr("autograd.viewer.PAGE_NODES", 100)
    data = Stepper(demo_sample()).show().data
    assert len(data["views"]) < 5 and -1 in data["views"][0]["boxes"].values()
    homes = data["views"][0]["home"]
    assert len(homes["view"]) == len(autograd.topological_order(Stepper(demo_sample()).root))


def test_a_drawing_shows_in_the_viewer(dot_program: str) -> None:
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    bundle = autograd.draw(y)._repr_mimebundle_()
    assert 'class="stepgrad-viewer"' in bundle["text/html"]
    assert "grad 2 + 2 = 4" in bundle["text/html"]


def test_the_widget_shares_the_step_with_python(dot_program: str) -> None:
    require("anywidget")
    widget = small_stepper().widget()
    assert widget.step == 0 and "export default" in widget._esm
    assert len(json.loads(widget.data)["steps"]) == 11
    widget.step = 4
    assert widget.step == 4


def open_page(browser, path: Path, width: int = 1108):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_selector(".stepgrad-viewer.sg-ready")
    return page, errors, requests


BOXES = """() => [...document.querySelectorAll(
    '.sg-canvas g.node > :is(polygon, ellipse, path), .sg-canvas g.edge > :is(polygon, path)')
].map(shape => { const b = shape.getBBox();
    return [shape.parentNode.id, b.x, b.y, b.width, b.height].join(' '); })"""
"""Where every node's and edge's shapes are: the layout, which texts do not change."""
TEXTS = "() => [...document.querySelectorAll('.sg-canvas text')].map(t => t.textContent)"


def test_the_page_steps_in_a_real_browser(tmp_path, dot_program: str, browser) -> None:
    path = Path(small_stepper().to_html(str(tmp_path / "steps.html")))
    page, errors, requests = open_page(browser, path)
    assert page.text_content(".sg-number") == "step 0 of 10"
    assert page.text_content(".sg-equation") == "forward: w = 0.5"
    layout = page.evaluate(BOXES)
    page.click("[data-action=next]")
    assert page.text_content(".sg-equation") == "forward: x = 1.5"
    page.fill(".sg-slider", "6")
    page.dispatch_event(".sg-slider", "input")
    assert page.text_content(".sg-number") == "step 6 of 10"
    assert page.locator(".sg-active-edge").count() == 1
    page.focus(".stepgrad-viewer")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.text_content(".sg-number") == "step 8 of 10"
    page.keyboard.press("ArrowLeft")
    assert page.text_content(".sg-number") == "step 7 of 10"
    texts = page.evaluate(TEXTS)
    assert "grad 1" in texts and "data ?" not in texts
    for k in range(11):
        page.fill(".sg-slider", str(k))
        page.dispatch_event(".sg-slider", "input")
        assert page.evaluate(BOXES) == layout
    assert "data 0.5 → 0.3173" in " ".join(page.evaluate(TEXTS))
    assert errors == [] and all(url.startswith("file:") for url in requests)
    page.close()


@pytest.mark.parametrize("width", [1108, 1920])
def test_a_demo_sized_page_fits_and_steps_fast(
    tmp_path, dot_program: str, browser, width: int
) -> None:
    stepper = Stepper(demo_sample(), learning_rate=0.1)
    path = Path(stepper.to_html(str(tmp_path / "demo.html")))
    page, errors, _ = open_page(browser, path, width)
    layout = page.evaluate(BOXES)
    milliseconds = page.evaluate(
        """() => { const s = document.querySelector('.sg-slider'); const t = performance.now();
        for (let k = 0; k <= Number(s.max); k += 1) {
            s.value = k; s.dispatchEvent(new Event('input')); }
        return (performance.now() - t) / (Number(s.max) + 1); }"""
    )
    assert milliseconds < 50
    assert page.evaluate(BOXES) == layout
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth, window.innerWidth,
        document.querySelector('.stepgrad-viewer').scrollWidth,
        document.querySelector('.stepgrad-viewer').clientWidth]"""
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[3]
    page.click(".sg-canvas .sg-opens >> nth=1")
    assert page.text_content(".sg-crumbs") == "whole graph › layers.1"
    page.click(".sg-canvas .sg-opens >> nth=0")
    assert page.text_content(".sg-crumbs") == "whole graph › layers.1 › layers.1.neurons.0"
    page.click(".sg-crumb >> text=whole graph")
    assert page.text_content(".sg-crumbs") == "whole graph"
    assert errors == []
    page.close()


def test_zoom_fit_and_actual_size(tmp_path, dot_program: str, browser) -> None:
    path = Path(Stepper(demo_sample()).to_html(str(tmp_path / "demo.html")))
    page, errors, _ = open_page(browser, path)
    view_box = "() => document.querySelector('.sg-canvas svg').getAttribute('viewBox')"
    assert float(page.get_attribute(".sg-zoom", "data-scale")) >= 0.6  # readable at first
    page.click("[data-action=fit]")
    fitted = page.evaluate(view_box)
    page.click("[data-action=zoom-in]")
    zoomed = page.evaluate(view_box)
    assert float(zoomed.split()[2]) < float(fitted.split()[2])
    page.click("[data-action=fit]")
    assert page.evaluate(view_box) == fitted
    page.click("[data-action=actual]")
    assert page.get_attribute(".sg-zoom", "data-scale") == "1.333"
    assert errors == []
    page.close()


def test_viewer_data_is_deterministic(dot_program: str) -> None:
    first, second = small_stepper().show().data, small_stepper().show().data
    assert first == second
    assert isinstance(Viewer(first).fragment(), str)


def test_a_label_cannot_break_the_page(tmp_path, dot_program: str, browser) -> None:
    x = Value(1.0, label="<!--<script>")
    path = Path(Stepper(x * 2.0).to_html(str(tmp_path / "label.html")))
    assert "<!--<script>" not in path.read_text(encoding="utf-8")
    page, errors, _ = open_page(browser, path)
    page.click("[data-action=next]")
    assert page.text_content(".sg-number") == "step 1 of 2" and errors == []
    page.close()


def test_a_page_holds_a_window_of_steps_around_the_one_it_opens_at(dot_program: str) -> None:
    stepper = small_stepper()
    viewer = stepper.show(8, max_steps=4)
    data = viewer.data
    assert (data["first"], len(data["steps"]), data["total"], data["start"]) == (6, 4, 11, 8)
    assert "steps 6 to 9 of 11 in this page (max_steps=4)" in data["note"]
    assert viewer.texts_at(9) == stepper.show(0).texts_at(9)
    with pytest.raises(ValueError, match="max_steps must be a whole number ≥ 1, got 0"):
        stepper.show(0, max_steps=0)


def test_a_long_sum_steps_in_a_page_of_bounded_size(tmp_path, dot_program: str) -> None:
    """A builtin sum over 30,000 terms: 90,001 steps, one value receiving 30,000 messages."""
    x = Value(0.5, label="x")
    y = sum(x * float(i) for i in range(30_000))
    stepper = Stepper(y)
    path = Path(stepper.to_html(str(tmp_path / "sum.html")))
    assert path.stat().st_size < 5_000_000
    data = json.loads(re.search(r'class="sg-data">(.*?)</script>', path.read_text()).group(1))
    assert len(data["steps"]) == 5_000 and data["total"] == len(stepper)
    assert max(len(step["equation"]) for step in data["steps"]) <= 400


def test_a_window_steps_in_a_real_browser(tmp_path, dot_program: str, browser) -> None:
    stepper = small_stepper()
    path = Path(stepper.show(8, max_steps=4).to_html(str(tmp_path / "window.html")))
    page, errors, _ = open_page(browser, path)
    assert page.text_content(".sg-number") == "step 8 of 10"
    assert page.get_attribute(".sg-slider", "min") == "6"
    page.click("[data-action=previous]")
    page.click("[data-action=previous]")
    page.click("[data-action=previous]")
    assert page.text_content(".sg-number") == "step 6 of 10"
    assert "steps 6 to 9 of 11" in page.text_content(".sg-window") and errors == []
    page.close()


def test_the_wheel_scrolls_the_page_until_the_viewer_has_focus(
    tmp_path, dot_program: str, browser
) -> None:
    path = Path(Stepper(demo_sample()).to_html(str(tmp_path / "demo.html")))
    page, errors, _ = open_page(browser, path)
    view_box = "() => document.querySelector('.sg-canvas svg').getAttribute('viewBox')"
    before = page.evaluate(view_box)
    page.hover(".sg-canvas")
    page.mouse.wheel(0, -200)
    assert page.evaluate(view_box) == before
    page.click(".sg-equation")
    page.hover(".sg-canvas")
    page.mouse.wheel(0, -200)
    assert page.evaluate(view_box) != before and errors == []
    page.close()
