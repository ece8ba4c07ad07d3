"""The viewer as a live Jupyter widget, with anywidget: the same script as the HTML page,
and a `step` that Python and the browser share."""

from __future__ import annotations

import json

from autograd.viewer import Viewer, script, style

try:
    import anywidget
    import traitlets
except ImportError:
    raise ImportError(
        "Stepper.widget needs anywidget: pip install 'stepgrad[jupyter]' "
        "(stepper.show(k) steps in the notebook without it)"
    ) from None


class StepperWidget(anywidget.AnyWidget):
    """A stepper's viewer in Jupyter, JupyterLab, VS Code or Colab. `step` is the step
    shown; setting it moves the viewer, and stepping in the viewer sets it."""

    _esm = traitlets.Unicode().tag(sync=True)
    _css = traitlets.Unicode().tag(sync=True)
    data = traitlets.Unicode().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)

    def __init__(self, viewer: Viewer) -> None:
        super().__init__(
            _esm=script() + _MODULE,
            _css=style(),
            data=json.dumps(viewer.data, separators=(",", ":")),
            step=viewer.data["start"],
        )
        self.viewer = viewer


_MODULE = """
export default {
  render({ model, el }) {
    const root = document.createElement("div");
    root.className = "stepgrad-viewer";
    el.appendChild(root);
    const data = JSON.parse(model.get("data"));
    data.start = model.get("step");
    const onStep = (k) => {
      if (model.get("step") !== k) { model.set("step", k); model.save_changes(); }
    };
    const viewer = stepgradViewer(root, data, { onStep });
    model.on("change:step", () => viewer.go(model.get("step")));
  },
};
"""
