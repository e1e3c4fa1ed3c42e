// Ctrl+K / ⌘K: one box that finds a region, a machine or a VM by id and every command the
// dashboard has. cmdk does the combobox (arrow keys, highlighted item, ARIA, pointer); the
// ranking is ours (rank.ts). The modal part is a native <dialog>, as for the reset dialog, not
// cmdk's Radix one: a command that moves the focus (filter, console) must run after the dialog
// has given the focus back, and only our own close() can order that.

import { Command } from 'cmdk';
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { regionSeverity } from '../../../shared/region-status';
import type { Region } from '../../../shared/types';
import { formatCount, formatGb } from '../format';
import { useDash, useRuntime, useUi } from '../hooks';
import { type PaletteCommand, paletteCommands } from './commands';
import { type MachineRef, useEntityIndex, type VmRef } from './entities';
import { focusMachine, openOverlay, overlayStore } from './overlays';
import { bestScore, type Rankable, rank } from './rank';

/** Machines and VMs shown for one query: enough to pick from, few enough to stay instant. */
const ENTITY_LIMIT = 30;

const ofMachine = (m: MachineRef): Rankable => ({ primary: m.id, label: `machine ${m.region}` });
const ofCommand = (c: PaletteCommand): Rankable => ({ primary: c.id, label: c.label, extra: c.keywords.join(' ') });
const ofVm = (v: VmRef): Rankable => ({ primary: v.id, label: `vm ${v.machine} ${v.region}` });

function Keys({ keys }: { keys: string[] }) {
  return (
    <span className="palette-keys">
      {keys.map((k) => (
        <kbd key={k}>{k}</kbd>
      ))}
    </span>
  );
}

const NO_REGIONS: Record<string, Region> = {};
const NO_CODES: string[] = [];

export function CommandPalette() {
  const rt = useRuntime();
  const open = useStore(overlayStore, (s) => s.open === 'palette');
  const [search, setSearch] = useState('');
  // Closed, it follows nothing: the regions change with every tick of a launch stream.
  const regions = useDash((s) => (open ? s.regions : NO_REGIONS));
  const codes = useDash((s) => (open ? s.regionCodes : NO_CODES));
  const consoleOpen = useUi((s) => s.consoleOpen);
  const index = useEntityIndex(rt, open, search);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the console's label follows its state
  const commands = useMemo(() => paletteCommands(rt), [rt, consoleOpen, open]);
  // Machines and VMs only once something is typed: thousands of ids are no menu.
  const machines = useMemo(
    () => (search.trim() ? rank(search, index.machines, ofMachine, ENTITY_LIMIT) : []),
    [index.machines, search],
  );
  const vms = useMemo(() => (search.trim() ? rank(search, index.vms, ofVm, ENTITY_LIMIT) : []), [index.vms, search]);
  const ofRegion = (code: string): Rankable => {
    const r = regions[code];
    return { primary: code, label: r ? r.location : '', extra: r ? `region ${r.status}` : '' };
  };
  // A few hundred regions and commands at most: ranked afresh on each render.
  const shownRegions = rank(search, codes, ofRegion);
  const shownCommands = rank(search, commands, ofCommand);
  // Groups in order of their best match; with nothing typed, commands first.
  const order = search.trim()
    ? (['vms', 'machines', 'regions', 'commands'] as const)
        .map((g, i) => ({
          g,
          i,
          s:
            g === 'vms'
              ? bestScore(search, vms, ofVm)
              : g === 'machines'
                ? bestScore(search, machines, ofMachine)
                : g === 'regions'
                  ? bestScore(search, shownRegions, ofRegion)
                  : bestScore(search, shownCommands, ofCommand),
        }))
        .sort((a, b) => b.s - a.s || a.i - b.i)
        .map((x) => x.g)
    : (['commands', 'regions', 'vms', 'machines'] as const);

  // The highlighted item: the best match whenever the query changes, or when it went away.
  const values: string[] = order.flatMap((g) =>
    g === 'vms'
      ? vms.map((v) => `vm ${v.id}`)
      : g === 'machines'
        ? machines.map((m) => `machine ${m.id}`)
        : g === 'regions'
          ? shownRegions.map((c) => `region ${c}`)
          : shownCommands.map((c) => `command ${c.id}`),
  );
  const [picked, setPicked] = useState('');
  const [pickedFor, setPickedFor] = useState<string | null>(null);
  let highlighted = picked;
  if (pickedFor !== search || !values.includes(picked)) highlighted = values[0] ?? '';

  const groups: Record<(typeof order)[number], React.ReactNode> = {
    vms: vms.length > 0 && (
      <Command.Group heading="VMs">
        {vms.map((v) => (
          <Command.Item
            key={v.id}
            value={`vm ${v.id}`}
            keywords={[v.machine, v.region]}
            data-testid="palette-vm"
            data-vm={v.id}
            onSelect={() =>
              go(() => {
                rt.select(v.region);
                focusMachine(v.machine, v.id);
                rt.nav.openDrawer({ kind: 'vm', id: v.id });
              })
            }
          >
            <span className="palette-kind">VM</span>
            <span className="mono">{v.id}</span>
            <span className="palette-detail">
              {v.cores} {v.cores === 1 ? 'core' : 'cores'}, {formatGb(v.memory_gb)} on {v.machine} ({v.region}) ·{' '}
              {v.state}
            </span>
          </Command.Item>
        ))}
      </Command.Group>
    ),
    machines: machines.length > 0 && (
      <Command.Group heading="Machines">
        {machines.map((m) => (
          <Command.Item
            key={m.id}
            value={`machine ${m.id}`}
            keywords={[m.region]}
            data-testid="palette-machine"
            data-machine={m.id}
            onSelect={() =>
              go(() => {
                rt.select(m.region);
                focusMachine(m.id);
                rt.nav.openDrawer({ kind: 'machine', id: m.id });
              })
            }
          >
            <span className="palette-kind">Machine</span>
            <span className="mono">{m.id}</span>
            <span className="palette-detail">
              {m.region} · {m.status} · {formatCount(m.vms)} {m.vms === 1 ? 'VM' : 'VMs'}
            </span>
          </Command.Item>
        ))}
      </Command.Group>
    ),
    commands: shownCommands.length > 0 && (
      <Command.Group heading="Commands">
        {shownCommands.map((c) => (
          <Command.Item
            key={c.id}
            value={`command ${c.id}`}
            keywords={c.keywords}
            data-testid="palette-command"
            data-command={c.id}
            onSelect={() => go(c.run)}
          >
            <span>{c.label}</span>
            {c.shortcut && <Keys keys={c.shortcut} />}
          </Command.Item>
        ))}
      </Command.Group>
    ),
    regions: shownRegions.length > 0 && (
      <Command.Group heading="Regions">
        {shownRegions.map((code) => {
          const r = regions[code];
          if (!r) return null;
          return (
            <Command.Item
              key={code}
              value={`region ${code}`}
              keywords={[r.location, r.status]}
              data-testid="palette-region"
              data-region={code}
              onSelect={() => go(() => rt.select(code))}
            >
              <span className={`dot dot-${regionSeverity(r.status)}`} />
              <span className="mono palette-code">{code}</span>
              <span>{r.location}</span>
              <span className="palette-detail">
                {r.status} · {formatCount(r.machine_count)} machines
              </span>
            </Command.Item>
          );
        })}
      </Command.Group>
    ),
  };

  const dialog = useRef<HTMLDialogElement>(null);
  const input = useRef<HTMLInputElement>(null);
  /** What to do once the dialog has closed and handed the focus back. */
  const pending = useRef<(() => void) | null>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      input.current?.focus();
    } else if (!open && d.open) d.close();
    if (!open && pending.current) {
      const run = pending.current;
      pending.current = null;
      run();
    }
  }, [open]);

  const close = () => {
    openOverlay(null);
    setSearch('');
  };
  const go = (fn: () => void) => {
    pending.current = fn;
    close();
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is the dialog's own cancel event; the click is the backdrop
    <dialog
      ref={dialog}
      className="palette"
      aria-label="Command palette"
      data-testid="palette"
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
      onClick={(e) => {
        if (e.target === e.currentTarget) close();
      }}
    >
      <Command
        label="Command palette"
        className="palette-body"
        loop
        shouldFilter={false}
        value={highlighted}
        onValueChange={(v) => {
          setPicked(v);
          setPickedFor(search);
        }}
      >
        <div className="palette-search">
          <Command.Input
            value={search}
            onValueChange={setSearch}
            ref={input}
            placeholder="Go to a region, machine or VM, or run a command…"
            data-testid="palette-input"
          />
          {index.loading && <span className="palette-loading">loading ids…</span>}
        </div>
        <Command.List className="palette-list" data-testid="palette-list">
          <Command.Empty className="palette-empty">
            Nothing matches “{search}”. Try a region code (SIN), a machine id (sin-m01) or a VM id (vm-…).
          </Command.Empty>
          {order.map((g) => (
            <Fragment key={g}>{groups[g]}</Fragment>
          ))}
        </Command.List>
        <div className="palette-foot">
          <span>
            <kbd>↑</kbd> <kbd>↓</kbd> move
          </span>
          <span>
            <kbd>Enter</kbd> go
          </span>
          <span>
            <kbd>Esc</kbd> close
          </span>
          <span>
            <kbd>?</kbd> all shortcuts
          </span>
        </div>
      </Command>
    </dialog>
  );
}
