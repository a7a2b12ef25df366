// The ControlService token guard, with fake calls from several kinds of peer.
import { Metadata } from '@grpc/grpc-js';
import { expect } from 'chai';
import { callerHost, controlGuard } from '../../src/grpc/handle.js';
import { isLoopbackHost as isLoopback } from '../../src/net/addresses.js';

type Guard = ReturnType<typeof controlGuard>;
type FakeCall = Parameters<Guard>[0];

function fakeCall(peer: string, authorization?: string): FakeCall {
  const metadata = new Metadata();
  if (authorization !== undefined) metadata.set('authorization', authorization);
  return { getPeer: () => peer, metadata } as unknown as FakeCall;
}

/** The error name the guard throws, or 'accepted'. */
function verdict(guard: Guard, call: FakeCall): string {
  try {
    guard(call);
    return 'accepted';
  } catch (err) {
    return (err as Error).name;
  }
}

describe('grpc ControlService guard', () => {
  const TOKEN = 's3cret-token';
  const overTls = (): boolean => true;

  it('callerHost reads the host of every peer string form', () => {
    expect(callerHost('ipv4:10.0.0.5:1234')).to.equal('10.0.0.5');
    expect(callerHost('10.0.0.5:1234')).to.equal('10.0.0.5');
    expect(callerHost('127.0.0.1:50000')).to.equal('127.0.0.1');
    expect(callerHost('ipv6:[::1]:1234')).to.equal('::1');
    expect(callerHost('[::1]:1234')).to.equal('::1');
    expect(callerHost('::1:1234')).to.equal('::1'); // grpc-js: remoteAddress:remotePort
    expect(callerHost('::ffff:127.0.0.1:9')).to.equal('::ffff:127.0.0.1');
    expect(callerHost('::ffff:10.1.2.3:9')).to.equal('::ffff:10.1.2.3');
    expect(callerHost('fe80::1:4444')).to.equal('fe80::1');
    expect(callerHost('unix:/tmp/p2pd.sock')).to.equal('localhost');
  });

  it('isLoopback accepts only loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', 'localhost']) {
      expect(isLoopback(h), h).to.equal(true);
    }
    for (const h of ['10.0.0.5', '0.0.0.0', '::', '::ffff:10.0.0.5', '128.0.0.1', 'unknown', '']) {
      expect(isLoopback(h), h).to.equal(false);
    }
  });

  describe('a caller at ipv4:10.0.0.5:1234', () => {
    const remote = 'ipv4:10.0.0.5:1234';

    it('is refused when no grpc.token is configured, whatever it presents', () => {
      const guard = controlGuard(undefined, overTls);
      expect(verdict(guard, fakeCall(remote))).to.equal('UnauthenticatedError');
      expect(verdict(guard, fakeCall(remote, `Bearer ${TOKEN}`))).to.equal('UnauthenticatedError');
      expect(verdict(guard, fakeCall(remote, 'Bearer '))).to.equal('UnauthenticatedError');
    });

    it('is refused without a token or with a wrong one', () => {
      const guard = controlGuard(TOKEN, overTls);
      for (const auth of [
        undefined,
        '',
        TOKEN,
        `Bearer ${TOKEN}x`,
        `Bearer ${TOKEN.slice(0, -1)}`,
        `Basic ${TOKEN}`,
        'Bearer',
      ]) {
        expect(verdict(guard, fakeCall(remote, auth)), String(auth)).to.equal(
          'UnauthenticatedError',
        );
      }
    });

    it('is accepted with the right bearer token', () => {
      const guard = controlGuard(TOKEN, overTls);
      expect(verdict(guard, fakeCall(remote, `Bearer ${TOKEN}`))).to.equal('accepted');
      expect(verdict(guard, fakeCall('10.0.0.5:1234', `Bearer ${TOKEN}`))).to.equal('accepted');
    });
  });

  it('accepts loopback callers with or without a token', () => {
    for (const guard of [controlGuard(undefined, overTls), controlGuard(TOKEN, overTls)]) {
      for (const peer of ['ipv4:127.0.0.1:1234', '127.0.0.1:1234', 'ipv6:[::1]:1', '::1:5000']) {
        expect(verdict(guard, fakeCall(peer)), peer).to.equal('accepted');
        expect(verdict(guard, fakeCall(peer, 'Bearer wrong'))).to.equal('accepted');
      }
    }
  });

  it('refuses a remote caller with the right token on a plaintext connection', () => {
    const guard = controlGuard(TOKEN, (peer) => peer !== '10.0.0.5:1234');
    expect(verdict(guard, fakeCall('10.0.0.5:1234', `Bearer ${TOKEN}`))).to.equal(
      'UnauthenticatedError',
    );
    expect(verdict(guard, fakeCall('10.0.0.6:1234', `Bearer ${TOKEN}`))).to.equal('accepted');
  });

  it('refuses a caller whose address grpc-js could not tell', () => {
    expect(verdict(controlGuard(TOKEN, overTls), fakeCall('unknown'))).to.equal(
      'UnauthenticatedError',
    );
  });
});
