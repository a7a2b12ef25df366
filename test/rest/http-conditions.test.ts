import { expect } from 'chai';
import { ifNoneMatchHits, ifRangeMatches, parseRange } from '../../src/rest/http-conditions.js';

describe('HTTP Range and conditional headers', () => {
  const cases: [string | undefined, number, ReturnType<typeof parseRange>][] = [
    [undefined, 100, { kind: 'full' }],
    ['bytes=0-0', 100, { kind: 'partial', start: 0, end: 0 }],
    ['bytes=10-', 100, { kind: 'partial', start: 10, end: 99 }],
    ['bytes=-5', 100, { kind: 'partial', start: 95, end: 99 }],
    ['bytes=-500', 100, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=90-200', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=99999999999999999999-', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-99999999999999999999', 100, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=200-300, 400-500', 100, { kind: 'unsatisfiable' }],
    ['bytes=200-300, 5-6', 100, { kind: 'partial', start: 5, end: 6 }],
    [' Bytes = 1-2 ,', 100, { kind: 'partial', start: 1, end: 2 }],
    ['bytes=0-1,5-6', 100, { kind: 'full' }],
    ['bytes=5-2', 100, { kind: 'full' }],
    ['bytes=1-2-3', 100, { kind: 'full' }],
    ['bytes=a-b', 100, { kind: 'full' }],
    ['bytes=-', 100, { kind: 'full' }],
    ['bytes=+1-2', 100, { kind: 'full' }],
    ['bytes=', 100, { kind: 'full' }],
    ['bytes', 100, { kind: 'full' }],
    ['items=0-1', 100, { kind: 'full' }],
    ['bytes=0-0', 0, { kind: 'unsatisfiable' }],
    ['bytes=-5', 0, { kind: 'full' }],
  ];
  for (const [header, size, expected] of cases) {
    it(`Range: ${header} of ${size} bytes → ${JSON.stringify(expected)}`, () => {
      expect(parseRange(header, size)).to.deep.equal(expected);
    });
  }

  it('matches If-None-Match weakly, in lists, and *', () => {
    const etag = '"abc"';
    expect(ifNoneMatchHits(undefined, etag)).to.equal(false);
    expect(ifNoneMatchHits('"abc"', etag)).to.equal(true);
    expect(ifNoneMatchHits('W/"abc"', etag)).to.equal(true);
    expect(ifNoneMatchHits('"x", W/"abc" ,"y"', etag)).to.equal(true);
    expect(ifNoneMatchHits(' * ', etag)).to.equal(true);
    expect(ifNoneMatchHits('"abcd"', etag)).to.equal(false);
    expect(ifNoneMatchHits('abc', etag)).to.equal(false);
  });

  it('honours If-Range only for the exact strong ETag', () => {
    expect(ifRangeMatches(undefined, '"abc"')).to.equal(true);
    expect(ifRangeMatches('"abc"', '"abc"')).to.equal(true);
    expect(ifRangeMatches('W/"abc"', '"abc"')).to.equal(false);
    expect(ifRangeMatches('Wed, 21 Oct 2015 07:28:00 GMT', '"abc"')).to.equal(false);
  });
});
