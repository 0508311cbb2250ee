/** Charts (uPlot) and the network graph (Cytoscape.js). */
import cytoscape from 'cytoscape';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, shareColour } from './ui';

export interface GraphNode { code: string; name: string; volume: number; visible: boolean }
export interface GraphEdge { from: string; to: string; limit: number; usage: number }

/** Communities as nodes sized by volume; credit lines (truster → peer) as edges coloured by share used. */
export function networkGraph(el: HTMLElement, nodes: GraphNode[], edges: GraphEdge[], open: (code: string) => void): cytoscape.Core {
  const max = Math.max(1, ...nodes.map((n) => n.volume));
  const cy = cytoscape({
    container: el,
    elements: [
      ...nodes.map((n) => ({ data: { id: n.code, label: `${n.code}\n${n.volume} transfer${n.volume === 1 ? '' : 's'}`, size: 36 + 54 * Math.sqrt(n.volume / max), colour: n.visible ? '#2e86c1' : '#aab7b8' } })),
      ...edges.map((e) => {
        const share = e.limit > 0 ? e.usage / e.limit : 0;
        return { data: { id: `${e.from}>${e.to}`, source: e.from, target: e.to, colour: shareColour(share), label: `${Math.round(share * 100)} %` } };
      }),
    ],
    style: [
      { selector: 'node', style: { 'background-color': 'data(colour)', width: 'data(size)', height: 'data(size)', label: 'data(label)', 'text-wrap': 'wrap', 'text-valign': 'bottom', 'text-margin-y': 4, 'font-size': 12, color: '#1b2631' } },
      { selector: 'edge', style: { 'line-color': 'data(colour)', 'target-arrow-color': 'data(colour)', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier', width: 4, label: 'data(label)', 'font-size': 11, 'text-background-color': '#fff', 'text-background-opacity': 0.8, 'text-background-padding': '2px' } },
      { selector: ':selected', style: { 'border-width': 3, 'border-color': '#1b2631' } },
    ],
    layout: { name: nodes.length > 2 ? 'circle' : 'grid', padding: 40 },
    wheelSensitivity: 0.3,
  });
  cy.on('tap', 'node', (ev) => open(ev.target.id()));
  cy.on('tap', 'edge', (ev) => open(ev.target.data('source')));
  return cy;
}

/** A time series chart: x in seconds, one or more series; a caption says what it shows. */
export function timeChart(title: string, x: number[], series: Array<{ label: string; values: number[]; colour: string; bars?: boolean }>, pad = 3600): HTMLElement {
  const box = h('figure', { class: 'chart' }, h('figcaption', {}, title));
  if (x.length === 0) {
    box.append(h('p', { class: 'empty' }, 'No data yet.'));
    return box;
  }
  const width = () => Math.max(280, Math.min(900, (box.parentElement?.clientWidth ?? 600) - 16));
  const plot = new uPlot({
    width: width(), height: 220,
    // Padded by a bucket each side: one point alone would otherwise span years.
    scales: { x: { time: true, range: [Math.min(...x) - pad, Math.max(...x) + pad] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
    series: [{}, ...series.map((s) => ({
      label: s.label, stroke: s.colour, width: 2, fill: `${s.colour}33`,
      ...(s.bars ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }), fill: `${s.colour}aa` } : {}),
    }))],
    axes: [{}, { size: 60 }],
  }, [x, ...series.map((s) => s.values)], box);
  new ResizeObserver(() => plot.setSize({ width: width(), height: 220 })).observe(document.body);
  return box;
}
