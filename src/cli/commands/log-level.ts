/** `--log-level`, as every command declares it: one of the logger's levels, AGENTAB_LOG_LEVEL when the flag is not given. */
import { Option } from 'commander';
import { LOG_LEVELS, type Level } from '../../util/log.ts';

export function logLevelOption(defaultLevel: Level): Option {
  return new Option('--log-level <level>', 'how much to log').choices(LOG_LEVELS).default(defaultLevel).env('AGENTAB_LOG_LEVEL');
}
