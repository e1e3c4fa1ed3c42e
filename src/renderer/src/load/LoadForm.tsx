// The run's controls, the same as `flylight load`'s flags, with the field a start was refused
// for marked and its message under the form.

import { useMemo } from 'react';
import { STRATEGIES } from '../../../shared/placement';
import { useDash } from '../hooks';
import { FIELD_LABELS, isActive, type LoadField, specTexts } from './panel-state';
import { useLoad, useLoadPanel } from './use-load';

interface FieldDef {
  field: LoadField;
  hint: string;
  placeholder?: string;
  wide?: boolean;
  suffix?: string;
}

const FIELDS: FieldDef[] = [
  { field: 'rate', hint: 'launches per second', suffix: '/s' },
  { field: 'duration', hint: '30s, 2m, 1m30s' },
  { field: 'mix', hint: 'sizes as CORESxGB:WEIGHT', wide: true },
  { field: 'regions', hint: 'codes, comma-separated', placeholder: 'all regions' },
  { field: 'destroyAfter', hint: 'per VM; empty keeps them', placeholder: 'keep VMs' },
  { field: 'seed', hint: 'repeat a run exactly', placeholder: 'random' },
];

export function LoadForm() {
  const panel = useLoadPanel();
  const own = useLoad((s) => s.texts);
  const runSpec = useLoad((s) => (isActive(s.run) ? s.run?.spec : undefined));
  const fieldError = useLoad((s) => s.fieldError);
  const error = useLoad((s) => s.error);
  const busy = useLoad((s) => s.busy);
  const active = useLoad((s) => isActive(s.run));
  const codes = useDash((s) => s.regionCodes);
  // While a run is on, the fields show what it was asked (it may have come from the console).
  const texts = useMemo(() => (runSpec ? specTexts(runSpec) : own), [runSpec, own]);

  return (
    <form
      className="load-form"
      data-testid="load-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!active) void panel.start(codes);
      }}
    >
      <div className="load-fields">
        {FIELDS.map((f) => {
          const id = `load-${f.field}`;
          const bad = fieldError?.field === f.field;
          return (
            <label
              key={f.field}
              className={`load-field${f.wide ? ' is-wide' : ''}${bad ? ' is-bad' : ''}`}
              htmlFor={id}
            >
              <span className="load-label">
                {FIELD_LABELS[f.field]} <span className="load-hint">{f.hint}</span>
              </span>
              <span className="load-input">
                <input
                  id={id}
                  data-testid={id}
                  value={texts[f.field]}
                  placeholder={f.placeholder}
                  spellCheck={false}
                  autoComplete="off"
                  aria-invalid={bad}
                  disabled={active}
                  onChange={(e) => panel.setText(f.field, e.target.value)}
                />
                {f.suffix && <span className="load-suffix">{f.suffix}</span>}
              </span>
            </label>
          );
        })}
        <label className="load-field" htmlFor="load-strategy">
          <span className="load-label">
            {FIELD_LABELS.strategy} <span className="load-hint">which machine gets each VM</span>
          </span>
          <span className="load-input">
            <select
              id="load-strategy"
              data-testid="load-strategy"
              value={texts.strategy}
              disabled={active}
              onChange={(e) => panel.setText('strategy', e.target.value)}
            >
              <option value="">host default</option>
              {STRATEGIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </span>
        </label>
      </div>
      {(fieldError || error) && (
        <p className="load-error" role="alert" data-testid="load-error">
          {fieldError?.message ?? error}
        </p>
      )}
      <div className="load-actions">
        {active ? (
          <button
            type="button"
            className="btn btn-danger"
            data-testid="load-stop"
            disabled={busy}
            onClick={() => void panel.stop()}
          >
            Stop run
          </button>
        ) : (
          <button type="submit" className="btn btn-primary" data-testid="load-start" disabled={busy}>
            Start run
          </button>
        )}
        <span className="load-note">
          The host runs it against its own port; it destroys what it launched when the run ends or is stopped.
        </span>
      </div>
    </form>
  );
}
