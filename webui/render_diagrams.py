"""Render the process diagrams to PNG for the docs: `make diagrams`, or
`.venv/bin/python -m webui.render_diagrams [--out docs/processes] [FILE_OR_DIR ...]`.

Each `.bpmn` file is drawn by the web app's own bpmn-js bundle (webui/static/dist/, built by
`make setup`) in Debian's chromium through Playwright, at 100 % zoom with a margin, and
saved as `<process id>.png`. The bpmn.io watermark is part of the picture (bpmn-js's license
asks for it to stay visible): the margin below the diagram keeps it clear of the shapes.
A development tool: it needs the `dev` extras (Playwright) and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "webui" / "static"
BUNDLE = STATIC / "dist" / "instance-diagram.js"
CHROMIUM = "/usr/bin/chromium"
ORIGIN = "http://diagrams.sroflow.invalid"
BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
MARGIN = 24  # around the diagram, in diagram pixels
BREADCRUMB_ROOM = 72  # above a sub-process's plane: bpmn-js shows where it sits ("A › B")
WATERMARK_ROOM = 72  # below the diagram: the bpmn.io logo sits in the bottom-right corner
SCALE = 1.5  # device pixels per CSS pixel: sharper text when zoomed in

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/dist/instance-diagram.css">
<style>html, body { margin: 0; background: #fff; }
#diagram { width: 1600px; height: 900px; position: relative; background: #fff; }</style>
</head><body><div id="diagram"></div>
<script type="module">
import { drawInstanceDiagram } from '/static/dist/instance-diagram.js';
window.drawDiagram = async (xml) => {
  const container = document.getElementById('diagram');
  const source = document.createElement('script');
  source.type = 'application/json';
  source.id = 'diagram-source';
  source.textContent = JSON.stringify(
    { bpmn_xml: xml, completed_element_ids: [], active_element_ids: [] });
  document.body.append(source);
  container.dataset.diagramSource = 'diagram-source';
  const viewer = await drawInstanceDiagram(container);
  if (!viewer) throw new Error(container.textContent);
  window.viewer = viewer;
  const canvas = viewer.get('canvas');
  // The process's own plane first, then each collapsed sub-process's plane.
  return [canvas.getRootElement(), ...canvas.getRootElements().filter(
    (root) => root !== canvas.getRootElement())].map((root) => ({
      id: root.id, element: root.businessObject.id, name: root.businessObject.name || '' }));
};
// Show one plane at 100 % with margins, the container sized to fit it.
window.showPlane = (rootId, margin, top, bottom) => {
  const container = document.getElementById('diagram');
  const canvas = window.viewer.get('canvas');
  const registry = window.viewer.get('elementRegistry');
  canvas.setRootElement(canvas.findRoot(rootId) || registry.get(rootId));
  const inner = canvas.viewbox().inner;
  const width = Math.ceil(inner.width + 2 * margin);
  const height = Math.ceil(inner.height + top + bottom);
  container.style.width = width + 'px';
  container.style.height = height + 'px';
  canvas.resized();
  canvas.viewbox({ x: inner.x - margin, y: inner.y - top, width, height });
  return { width, height };
};
// Layout problems a reader would trip over, from what bpmn-js actually drew: an edge
// through a shape, a label on an edge or a shape, a task's name over its type icon.
window.checkDiagram = () => {
  const viewer = window.viewer;
  const registry = viewer.get('elementRegistry');
  const canvas = viewer.get('canvas');
  const root = canvas.getRootElement();
  const all = registry.getAll().filter(
    (e) => e !== root && !e.hidden && canvas.findRoot(e) === root);
  const big = new Set(['bpmn:Participant', 'bpmn:Lane', 'bpmn:Collaboration', 'label']);
  const shapes = all.filter((e) => !e.waypoints && !big.has(e.type) && e.width !== undefined);
  const edges = all.filter((e) => e.waypoints);
  const labels = all.filter((e) => e.type === 'label');
  const name = (e) => (e.labelTarget ? e.labelTarget.id : e.id);
  const shrink = (b, d) =>
    ({ x: b.x + d, y: b.y + d, width: b.width - 2 * d, height: b.height - 2 * d });
  const overlap = (a, b) =>
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const segmentHits = (p, q, b) => {  // axis-parallel or not: sample along the segment
    const steps = Math.max(2, Math.ceil(Math.hypot(q.x - p.x, q.y - p.y) / 2));
    for (let i = 0; i <= steps; i++) {
      const x = p.x + ((q.x - p.x) * i) / steps;
      const y = p.y + ((q.y - p.y) * i) / steps;
      if (x > b.x && x < b.x + b.width && y > b.y && y < b.y + b.height) return true;
    }
    return false;
  };
  const edgeHits = (edge, b) =>
    edge.waypoints.slice(1).some((q, i) => segmentHits(edge.waypoints[i], q, b));
  const problems = [];
  for (const edge of edges) {
    for (const shape of shapes) {
      const ends = [edge.source, edge.target];
      const attached = ends.some((e) => e && (e.host === shape || shape.host === e));
      if (ends.includes(shape) || attached) continue;
      if (edgeHits(edge, shrink(shape, 2))) {
        problems.push(`edge ${edge.id} runs through ${shape.id}`);
      }
    }
  }
  for (const label of labels) {
    if (!label.businessObject.name) continue;
    const box = shrink(label, 1);
    for (const edge of edges) {
      if (edgeHits(edge, box)) problems.push(`label of ${name(label)} lies on edge ${edge.id}`);
    }
    for (const shape of shapes) {
      if (shape === label.labelTarget && shape.type.endsWith('Gateway')) continue;
      const s = shrink(shape, shape === label.labelTarget ? 0 : 1);
      if (overlap(box, s)) {
        problems.push(`label of ${name(label)} overlaps ${shape.id}`);
      }
    }
  }
  const icons = /^bpmn:(User|Script|BusinessRule|Service|Manual|Send|Receive)Task$/;
  for (const shape of shapes.filter((e) => icons.test(e.type))) {
    const text = viewer.get('elementRegistry').getGraphics(shape).querySelector('text');
    if (!text) continue;
    for (const line of text.querySelectorAll('tspan')) {
      const b = line.getBBox();
      if (b.y < 22 && b.x < 24) problems.push(`the name of ${shape.id} runs into its icon`);
    }
  }
  return [...new Set(problems)];
};
window.ready = true;
</script></body></html>"""


def process_id(path: Path) -> str:
    """The id of the (first) process in a BPMN file."""
    process = ElementTree.parse(path).getroot().find(f"{BPMN_NS}process")
    if process is None or not process.get("id"):
        raise ValueError(f"{path}: no bpmn:process with an id")
    return process.get("id")


def bpmn_files(sources: list[Path]) -> list[Path]:
    found = []
    for source in sources:
        found += [source] if source.is_file() else sorted(source.rglob("*.bpmn"))
    return found


def _serve(route) -> None:
    """Answer the page's requests: the page itself and files under webui/static/."""
    path = route.request.url.removeprefix(ORIGIN)
    if path == "/render.html":
        route.fulfill(body=PAGE, content_type="text/html")
        return
    if path.startswith("/static/"):
        file = (STATIC / path.removeprefix("/static/")).resolve()
        if file.is_file() and STATIC in file.parents:
            types = {".js": "text/javascript", ".css": "text/css", ".map": "application/json"}
            route.fulfill(path=str(file), content_type=types.get(file.suffix))
            return
    route.fulfill(status=404, body="not found")


def render(files: list[Path], out: Path) -> tuple[list[Path], list[str]]:
    """Draw each file; return the PNGs written and the layout problems found."""
    from playwright.sync_api import sync_playwright

    if not BUNDLE.is_file():
        raise SystemExit(f"{BUNDLE.relative_to(ROOT)} is missing: run `make setup` first")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--disable-background-networking", "--no-first-run"]
        )
        page = browser.new_page(device_scale_factor=SCALE)
        errors, problems = [], []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route(f"{ORIGIN}/**", _serve)
        for file in files:
            shown = file.relative_to(ROOT) if ROOT in file.parents else file
            page.goto(f"{ORIGIN}/render.html")
            page.wait_for_function("window.ready === true")
            planes = page.evaluate("(xml) => window.drawDiagram(xml)", file.read_text("utf-8"))
            for number, plane in enumerate(planes):
                # The process itself, then `<process id>.<sub-process id>.png` for each plane.
                stem = process_id(file) + ("" if number == 0 else f".{plane['element']}")
                top = MARGIN if number == 0 else BREADCRUMB_ROOM
                size = page.evaluate(
                    "([root, margin, top, bottom]) => window.showPlane(root, margin, top, bottom)",
                    [plane["id"], MARGIN, top, WATERMARK_ROOM],
                )
                page.set_viewport_size({"width": size["width"], "height": size["height"]})
                if not page.locator(".bjs-powered-by").is_visible():
                    raise SystemExit(f"{shown}: the bpmn.io watermark is not visible")
                target = out / f"{stem}.png"
                page.locator("#diagram").screenshot(path=str(target))
                written.append(target)
                print(f"{shown} -> {target}")
                for problem in page.evaluate("window.checkDiagram()"):
                    problems.append(f"{shown} ({plane['name'] or plane['element']}): {problem}")
        browser.close()
    if errors:
        raise SystemExit("errors in the page: " + json.dumps(errors))
    for problem in problems:
        print(f"layout: {problem}", file=sys.stderr)
    return written, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path, default=[ROOT / "workflows"])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "processes")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a layout problem is found"
    )
    args = parser.parse_args(argv)
    files = bpmn_files([s.resolve() for s in args.sources])
    if not files:
        print("no .bpmn files found", file=sys.stderr)
        return 1
    _, problems = render(files, args.out)
    return 1 if problems and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
