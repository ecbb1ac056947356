/**
 * The inspector page's own rules, added after the timeline's stylesheet (whose statechart, event
 * list and state panel rules it reuses): system fonts only, nothing fetched.
 */
export const inspectorCss = `
header .summary { display: flex; align-items: center; flex-wrap: wrap; gap: 4px 0; }
#connection::before { content: ""; display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; background: #9ca3af; }
#connection[data-state="open"]::before { background: #22c55e; }
#connection[data-state="reconnecting"]::before, #connection[data-state="closed"]::before { background: #f59e0b; }
#mode { padding: 1px 8px; border-radius: 9px; background: #065f46; }
body[data-mode="past"] #mode { background: #92400e; }
body[data-mode="past"] > header { background: #3f2d12; }
#queues-note { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
body[data-mode="live"] #queues-note { display: none; }
#live-button { font: inherit; padding: 1px 10px; border-radius: 4px; border: 1px solid #f9fafb; background: transparent; color: #f9fafb; cursor: pointer; }
#engine .kv span, .kv span { margin-right: 16px; }
.engine-charts { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 6px; }
.engine-charts figure { margin: 0; background: #fff; border: 1px solid var(--line); padding: 6px; flex: 1 1 560px; min-width: 0; }
.engine-charts figcaption { font-weight: 600; margin-bottom: 4px; }
.engine-charts svg, .module-card svg { width: 100%; height: auto; }
#queues { border-collapse: collapse; background: #fff; border: 1px solid var(--line); min-width: 60%; }
#queues th, #queues td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #f3f4f6; }
#queues tr.sleeping td { background: #fffbeb; }
#queues .countdown { font-weight: 600; color: #b45309; font-variant-numeric: tabular-nums; }
#queues .last-error { color: var(--fail); font-size: 12px; }
#modules { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 12px; }
#modules .empty { color: var(--muted); }
.module-card { background: #fff; border: 1px solid var(--line); border-left: 4px solid #9ca3af; padding: 6px 10px; min-width: 0; }
.module-card[data-state="ready"] { border-left-color: #16a34a; }
.module-card[data-state$="Failed"] { border-left-color: var(--fail); }
.module-card[data-state="unknown"] { opacity: .55; }
.module-card > header { display: flex; align-items: baseline; gap: 10px; padding: 0; background: none; color: inherit; }
.module-card h3 { margin: 0; font-size: 14px; }
.module-card .module-state { font-weight: 600; padding: 0 6px; border-radius: 4px; background: #dbeafe; color: #1e3a8a; }
.module-card[data-state="ready"] .module-state { background: #dcfce7; color: #14532d; }
.module-card[data-state$="Failed"] .module-state { background: #fee2e2; color: #7f1d1d; }
.module-card .meta { color: var(--muted); font-size: 12px; }
.module-card .module-error { color: var(--fail); font-size: 12px; white-space: pre-wrap; max-height: 4.5em; overflow: auto; }
#lanes { overflow-x: auto; border: 1px solid var(--line); background: #fff; }
#lanes-inner { position: relative; min-width: 100%; }
#lanes .lane { display: flex; border-bottom: 1px solid #eef0f3; height: 20px; }
#lanes .lane-track { position: relative; flex: 1; }
#lanes .dot { position: absolute; top: 5px; width: 8px; height: 8px; margin-left: 1px; border-radius: 50%; background: #6b7280; cursor: pointer; }
#lanes .dot.hook { background: #2563eb; } #lanes .dot.helm { background: #7c3aed; border-radius: 1px; }
#lanes .dot.ok { background: #16a34a; } #lanes .dot.retry { background: #fff; border: 2px solid #d97706; }
#lanes .dot.failure { background: var(--fail); }
#lanes .dot.selected { outline: 2px solid #111827; outline-offset: 1px; }
`;
