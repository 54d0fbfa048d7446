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
    const canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
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
