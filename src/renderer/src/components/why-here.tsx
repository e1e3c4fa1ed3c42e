// "Why here?": the placement note the host kept from the VM's launch, in words — the strategy
// and how it found the machine, how much room the machine had, the regions tried first, and
// for a planned launch the machines it weighed, ranked, with why each was kept or refused.

import { verdictText } from '../../../shared/placement';
import type { PlacementNote } from '../../../shared/placement-note';
import type { Vm } from '../../../shared/types';
import { useRuntime } from '../hooks';

function how(n: PlacementNote): string {
  const size = `${n.cores} ${n.cores === 1 ? 'core' : 'cores'} and ${n.memory_gb} GB`;
  if (n.path === 'index') {
    return `The random strategy took ${n.machine_id}: a random pick among the machines of its region with room for ${size} (drawn from the orchestrator's free-capacity index, confirmed by the machine's MachineD).`;
  }
  if (n.path === 'candidates') {
    return `The random strategy took ${n.machine_id}: a random pick among the machines of its region with room for ${size} (the store's shuffled candidates, confirmed by the machine's MachineD).`;
  }
  if (n.path === 'ranked') {
    const which = n.strategy === 'binpack' ? 'fullest' : 'emptiest';
    return `The ${n.strategy} strategy took ${n.machine_id}: the ${which} machine of its region that still had room for ${size}.`;
  }
  const batch = n.count > 1 ? ` for a batch of ${n.count}` : '';
  return `A ${n.strategy} plan${batch} weighed ${n.machines_seen ?? '?'} machines, ${n.machines_fitting ?? '?'} of which had room for ${size}; ${n.machine_id} was chosen.`;
}

export function WhyHere({ note, vm }: { note: PlacementNote | null; vm: Vm | null }) {
  const { nav } = useRuntime();
  if (!note) {
    return (
      <p className="muted" data-testid="why-none">
        No placement note: this VM was launched before this host started keeping them, or it was moved here by a fault's
        evacuation, or its note was pushed out of the bounded history.
      </p>
    );
  }
  const b = note.machine_before;
  return (
    <div className="why" data-testid="why-here" data-path={note.path}>
      <p>{how(note)}</p>
      {b && (
        <p className="muted" data-testid="why-before">
          Before this VM, {note.machine_id} had {b.cores_free} of {b.cores_total || '?'} cores and {b.memory_free_gb} of{' '}
          {b.memory_total_gb || '?'} GB free.
        </p>
      )}
      {note.refused_regions.length > 0 && (
        <ul className="why-refused">
          {note.refused_regions.map((r) => (
            <li key={r.region}>
              <span className="mono">{r.region}</span> was tried first and had no room
              {r.largest_slots.length > 0 &&
                ` (largest slot: ${r.largest_slots[0].cores} cores, ${r.largest_slots[0].memory_gb} GB on ${r.largest_slots[0].machine_id})`}
              .
            </li>
          ))}
        </ul>
      )}
      {note.verdicts && note.verdicts.length > 0 && (
        <table className="why-table" data-testid="why-verdicts">
          <thead>
            <tr>
              <th>#</th>
              <th>Machine</th>
              <th className="is-num">Free</th>
              <th>Verdict</th>
            </tr>
          </thead>
          <tbody>
            {note.verdicts.map((v) => (
              <tr key={v.machine_id} className={v.machine_id === vm?.machine_id || v.chosen > 0 ? 'is-chosen' : ''}>
                <td className="muted">{v.rank ?? '–'}</td>
                <td>
                  <button
                    type="button"
                    className="link mono"
                    onClick={() => nav.openDrawer({ kind: 'machine', id: v.machine_id })}
                  >
                    {v.machine_id}
                  </button>
                </td>
                <td className="is-num mono">
                  {v.cores_free}c · {v.memory_free_gb} GB
                </td>
                <td className={v.reasons.length ? 'tone-bad' : v.chosen ? 'tone-ok' : ''}>{verdictText(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {note.machines_seen !== undefined && note.verdicts && note.machines_seen > note.verdicts.length && (
        <p className="muted">
          The first {note.verdicts.length} of {note.machines_seen} machines are kept.
        </p>
      )}
    </div>
  );
}
