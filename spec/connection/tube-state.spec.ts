import * as commands from '../../src/protocol/commands.js';
import type { Command } from '../../src/protocol/commands.js';
import { TubeState } from '../../src/connection/tube-state.js';

const lines = (needed: readonly Command<unknown>[]): string[] => needed.map((command) => command.line);

describe('TubeState: the use/watch/ignore commands a command needs first', () => {
  test('a new connection uses and watches default: commands for default need nothing', () => {
    const state = new TubeState();
    const put = commands.put('default', 'x');
    const reserve = commands.reserve(['default']);
    expect(state.needsChange(put)).toBe(false);
    expect(state.changesFor(put)).toEqual([]);
    expect(state.needsChange(reserve)).toBe(true); // another array than the state's own: checked
    expect(state.changesFor(reserve)).toEqual([]);
    expect(state.needsChange(reserve)).toBe(false); // the very same array now: no comparison
  });

  test('commands without use or watch never need a change', () => {
    const state = new TubeState();
    state.changesFor(commands.put('other', 'x'));
    const del = commands.deleteJob(1);
    expect(state.needsChange(del)).toBe(false);
    expect(state.changesFor(del)).toEqual([]);
    expect(lines(state.changesFor(commands.put('default', 'x')))).toEqual(['use default']);
  });

  test('a put to another tube needs one use, once', () => {
    const state = new TubeState();
    const put = commands.put('emails', 'x');
    expect(state.needsChange(put)).toBe(true);
    const needed = state.changesFor(put);
    expect(lines(needed)).toEqual(['use emails']);
    expect(needed[0].options.idempotent).toBe(true);
    expect(state.needsChange(commands.put('emails', 'y'))).toBe(false);
    expect(state.changesFor(commands.put('emails', 'y'))).toEqual([]);
    expect(lines(state.changesFor(commands.peekReady('other')))).toEqual(['use other']);
  });

  test('a watch set: watch the new tubes first, then ignore the old ones', () => {
    const state = new TubeState();
    const needed = state.changesFor(commands.reserve(['a', 'b']));
    // Ignoring default first would be refused by the server (the last watched tube).
    expect(lines(needed)).toEqual(['watch a', 'watch b', 'ignore default']);
    expect(lines(state.changesFor(commands.reserve(['b', 'c'])))).toEqual(['watch c', 'ignore a']);
  });

  test('the same set in another order or another array needs nothing', () => {
    const state = new TubeState();
    state.changesFor(commands.reserve(['a', 'b']));
    const reordered = commands.reserve(['b', 'a']);
    expect(state.needsChange(reordered)).toBe(true);
    expect(state.changesFor(reordered)).toEqual([]);
    expect(state.needsChange(reordered)).toBe(false);
  });

  test('a set of the same size with another tube is not the same set', () => {
    const state = new TubeState();
    state.changesFor(commands.reserve(['a', 'b']));
    expect(lines(state.changesFor(commands.reserve(['a', 'c'])))).toEqual(['watch c', 'ignore b']);
  });

  test('a smaller set that is a subset only ignores; a larger superset only watches', () => {
    const state = new TubeState();
    state.changesFor(commands.reserve(['a', 'b', 'c']));
    expect(lines(state.changesFor(commands.reserve(['b'])))).toEqual(['ignore a', 'ignore c']);
    expect(lines(state.changesFor(commands.reserve(['a', 'b'])))).toEqual(['watch a']);
  });

  test('a command with both a tube to use and a watch set gets both changes, use first', () => {
    const state = new TubeState();
    const command = new commands.Command('reserve', () => undefined, { use: 'u', watch: ['w'] });
    expect(lines(state.changesFor(command))).toEqual(['use u', 'watch w', 'ignore default']);
    expect(state.needsChange(command)).toBe(false);
  });

  test('reset: the next socket starts again from default', () => {
    const state = new TubeState();
    const put = commands.put('emails', 'x');
    const reserve = commands.reserve(['a']);
    state.changesFor(put);
    state.changesFor(reserve);
    state.reset();
    expect(state.needsChange(put)).toBe(true);
    expect(lines(state.changesFor(put))).toEqual(['use emails']);
    expect(state.needsChange(reserve)).toBe(true);
    expect(lines(state.changesFor(reserve))).toEqual(['watch a', 'ignore default']);
  });
});
