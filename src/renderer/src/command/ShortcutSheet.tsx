// `?`: every shortcut on one sheet. A native modal <dialog>, like the reset dialog: the page
// behind is inert and Escape closes it.

import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { openOverlay, overlayStore } from './overlays';
import { SHORTCUTS } from './shortcuts';

export function ShortcutSheet() {
  const open = useStore(overlayStore, (s) => s.open === 'shortcuts');
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is the dialog's own cancel event; the click is the backdrop
    <dialog
      ref={dialog}
      className="dialog sheet"
      aria-labelledby="shortcuts-title"
      data-testid="shortcut-sheet"
      onCancel={(e) => {
        e.preventDefault();
        openOverlay(null);
      }}
      onClick={(e) => {
        if (e.target === e.currentTarget) openOverlay(null);
      }}
    >
      <div className="dialog-body">
        <div className="dialog-head sheet-head">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button type="button" className="btn btn-ghost icon-btn" aria-label="Close" onClick={() => openOverlay(null)}>
            ×
          </button>
        </div>
        <div className="sheet-groups">
          {SHORTCUTS.map((g) => (
            <section key={g.title} className="sheet-group">
              <h3>{g.title}</h3>
              <dl>
                {g.items.map((s) => (
                  <div key={s.does} className="sheet-row">
                    <dt>
                      {s.keys.map((combo, i) => (
                        <span key={combo.join('+')} className="sheet-combo">
                          {i > 0 && <span className="sheet-or">/</span>}
                          {combo.map((k) => (
                            <kbd key={k}>{k}</kbd>
                          ))}
                        </span>
                      ))}
                    </dt>
                    <dd>{s.does}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
      </div>
    </dialog>
  );
}
