/** The English catalogue: the reference every other locale follows. */
import common from './en/common';
import containers from './en/containers';
import resources from './en/resources';
import run from './en/run';
import shell from './en/shell';

export default { ...common, ...shell, ...containers, ...run, ...resources };
