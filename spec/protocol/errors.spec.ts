import * as errors from '../../src/protocol/errors.js';

describe('BeanstalkError: the message says where', () => {
  test.each<[errors.ErrorContext, string]>([
    [{}, 'boom'],
    [{ connection: 'c1' }, 'boom ([c1])'],
    [{ command: 'stats' }, 'boom (command "stats")'],
    [{ reply: 'OK 3' }, 'boom (reply "OK 3")'],
    [{ connection: 'c1', reply: 'OK 3' }, 'boom ([c1], reply "OK 3")'],
    [{ connection: 'c1', command: 'stats', reply: 'OK 3' }, 'boom ([c1], command "stats", reply "OK 3")'],
  ])('context %j reads %j', (context, message) => {
    const error = new errors.BeanstalkError('boom', context);
    expect(error.message).toBe(message);
    expect(error.reason).toBe('boom');
    expect(error.connection).toBe(context.connection);
    expect(error.command).toBe(context.command);
    expect(error.reply).toBe(context.reply);
  });

  test('no context at all is the bare message', () => {
    expect(new errors.BadReplyError('odd').message).toBe('odd');
  });

  test('each class names itself, and all are BeanstalkErrors', () => {
    const error = new errors.QueueFullError('full', { connection: 'c' });
    expect(error.name).toBe('QueueFullError');
    expect(error).toBeInstanceOf(errors.ConnectionError);
    expect(error).toBeInstanceOf(errors.BeanstalkError);
    expect(error.mayHaveReachedServer).toBe(false);
    expect(new errors.JobSettledError('settled').name).toBe('JobSettledError');
    expect(new errors.InvalidTubeNameError('bad').name).toBe('InvalidTubeNameError');
  });

  test('a failure word becomes a readable reason: every underscore a space, lower case', () => {
    expect(errors.errorForReply('OUT_OF_MEMORY', {}).reason).toBe('out of memory');
    expect(errors.errorForReply('UNKNOWN_COMMAND', {}).reason).toBe('unknown command');
    expect(errors.errorForReply('DRAINING', {}).reason).toBe('draining');
    expect(errors.errorForReply('BURIED', {}).reason).toBe('job was buried by the server');
    expect(errors.errorForReply('hasOwnProperty', {}).reason).toBe('unexpected reply for this command');
  });
});
