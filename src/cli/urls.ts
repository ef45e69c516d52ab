import type { Command } from 'commander';
import { usageError } from './exit.js';
import { checkUrl } from './parse.js';

/**
 * Every `--url` given, in order, filled in as the program parses: commander itself keeps
 * only the last value of an option, so `rxbs stats --url A --url B` would lose A.
 */
export function collectUrls(program: Command): readonly string[] {
  const given: string[] = [];
  program.on('option:url', (value: string) => given.push(value));
  return given;
}

/**
 * The servers a command talks to: every `--url` given, else BEANSTALKD_URL (several
 * separated by commas), else `fallback`. Each is checked; a bad or repeated one is a usage error.
 */
export function serverUrls(given: readonly string[], env: string | undefined, fallback: string): string[] {
  const listed = given.length > 0 ? given : (env || fallback).split(',');
  const urls: string[] = [];
  for (const each of listed) {
    let url: string;
    try {
      url = checkUrl(each.trim());
    } catch (error) {
      throw usageError((error as Error).message);
    }
    if (urls.includes(url)) throw usageError(`server ${url} is given twice`);
    urls.push(url);
  }
  return urls;
}
