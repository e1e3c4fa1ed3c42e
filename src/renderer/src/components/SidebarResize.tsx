// The edge between the region list and the region's detail: drag it, or focus it and use the
// arrow keys. The width is remembered (ui-prefs) and capped to the window on every render.

import { useRef, useState } from 'react';
import { useUi } from '../hooks';
import { SIDEBAR_MIN_WIDTH, sidebarWidthFor, uiStore } from '../ui-prefs';
import { useViewport } from '../viewport';

const STEP = 24;

export function SidebarResize() {
  const stored = useUi((s) => s.sidebarWidth);
  const { w: vw } = useViewport();
  const width = sidebarWidthFor(stored, vw);
  const [dragging, setDragging] = useState(false);
  const start = useRef({ x: 0, w: 0 });
  const set = (w: number) => uiStore.setState({ sidebarWidth: sidebarWidthFor(w, window.innerWidth) });
  return (
    // biome-ignore lint/a11y/useSemanticElements: a draggable splitter has no native element
    <div
      className={`sidebar-resize${dragging ? ' is-dragging' : ''}`}
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the region list"
      aria-valuenow={width}
      aria-valuemin={SIDEBAR_MIN_WIDTH}
      aria-valuemax={Math.round(vw / 2)}
      tabIndex={0}
      title="Drag to resize · double-click for the default width"
      data-testid="sidebar-resize"
      onPointerDown={(e) => {
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        start.current = { x: e.clientX, w: width };
        setDragging(true);
      }}
      onPointerMove={(e) => {
        if (dragging) set(start.current.w + (e.clientX - start.current.x));
      }}
      onPointerUp={(e) => {
        e.currentTarget.releasePointerCapture(e.pointerId);
        setDragging(false);
      }}
      onDoubleClick={() => uiStore.setState({ sidebarWidth: null })}
      onKeyDown={(e) => {
        if (e.key === 'ArrowRight') set(width + STEP);
        else if (e.key === 'ArrowLeft') set(width - STEP);
        else return;
        e.preventDefault();
      }}
    />
  );
}
