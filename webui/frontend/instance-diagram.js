// The instance page's diagram: bpmn-js's NavigatedViewer (pan, zoom, keyboard moves) with the
// elements that ran and the tasks that wait marked through canvas markers and our CSS.
// The data comes from a JSON <script> the server renders (engine's InstanceDiagram).
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { layoutProcess } from 'bpmn-auto-layout';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';

const DIAGRAM_INTERCHANGE = /<([A-Za-z_][\w.-]*:)?BPMNDiagram[\s>/]/;

// A process deployed without diagram interchange (shapes and positions) gets a generated
// layout, so every deployed process can be shown; the page says so.
async function withLayout(xml) {
  if (DIAGRAM_INTERCHANGE.test(xml)) {
    return { xml, generated: false };
  }
  return { xml: await layoutProcess(xml), generated: true };
}

function mark(viewer, ids, marker) {
  const registry = viewer.get('elementRegistry');
  const canvas = viewer.get('canvas');
  for (const id of ids) {
    if (registry.get(id)) {
      canvas.addMarker(id, marker);
    }
  }
}

// Below this zoom a task's name is too small to read. A wide process fitted to the page
// would go below it: then it is shown at this zoom around what waits now (or its start),
// and the rest is a drag or an arrow key away.
const READABLE_ZOOM = 0.7;

function bounds(elements) {
  const boxes = elements.filter((e) => e && e.width !== undefined);
  if (!boxes.length) return null;
  const left = Math.min(...boxes.map((e) => e.x));
  const top = Math.min(...boxes.map((e) => e.y));
  const right = Math.max(...boxes.map((e) => e.x + e.width));
  const bottom = Math.max(...boxes.map((e) => e.y + e.height));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

function showReadable(viewer, container, activeIds) {
  const canvas = viewer.get('canvas');
  canvas.zoom('fit-viewport', 'auto');
  if (canvas.zoom() >= READABLE_ZOOM) return;
  // Tall enough for every lane at that zoom, as far as the window allows.
  const wanted = canvas.viewbox().inner.height * READABLE_ZOOM + 32;
  const tall = Math.max(container.clientHeight, Math.min(wanted, window.innerHeight * 0.7));
  container.style.height = `${Math.round(tall)}px`;
  canvas.resized();
  const registry = viewer.get('elementRegistry');
  const { inner, outer } = canvas.viewbox();
  const width = outer.width / READABLE_ZOOM;
  const height = outer.height / READABLE_ZOOM;
  const focus = bounds(activeIds.map((id) => registry.get(id)));
  // From the left edge (lane names) if what waits fits in that view, else centred on it.
  const margin = 10 / READABLE_ZOOM;
  const fromLeft = !focus || focus.x + focus.width + margin <= inner.x + width;
  const x = fromLeft ? inner.x - margin : focus.x + focus.width / 2 - width / 2;
  const y = focus ? focus.y + focus.height / 2 - height / 2 : inner.y;
  canvas.viewbox({
    x: Math.max(inner.x - margin, Math.min(x, inner.x + inner.width + margin - width)),
    y: Math.max(inner.y - margin, Math.min(y, inner.y + inner.height + margin - height)),
    width,
    height,
  });
}

function fail(container, error) {
  console.error('sroflow: the diagram could not be drawn', error);
  container.dataset.state = 'error';
  const message = document.createElement('p');
  message.className = 'alert alert-error';
  message.setAttribute('role', 'alert');
  message.textContent = 'The diagram could not be drawn: ' + (error && error.message || error);
  container.replaceChildren(message);
}

export async function drawInstanceDiagram(container) {
  try {
    const source = document.getElementById(container.dataset.diagramSource);
    const diagram = JSON.parse(source.textContent);
    const { xml, generated } = await withLayout(diagram.bpmn_xml);
    const viewer = new NavigatedViewer({ container });
    await viewer.importXML(xml);
    mark(viewer, diagram.completed_element_ids, 'sf-completed');
    mark(viewer, diagram.active_element_ids, 'sf-active');
    showReadable(viewer, container, diagram.active_element_ids);
    const svg = container.querySelector('svg');
    if (svg && container.dataset.label) {
      svg.setAttribute('aria-label', container.dataset.label);
      svg.setAttribute('role', 'img');
    }
    if (generated) {
      const note = document.getElementById(container.dataset.layoutNote);
      if (note) note.hidden = false;
    }
    container.dataset.state = 'ready';
    return viewer;
  } catch (error) {
    fail(container, error);
    return null;
  }
}

for (const container of document.querySelectorAll('[data-diagram-source]')) {
  drawInstanceDiagram(container);
}
