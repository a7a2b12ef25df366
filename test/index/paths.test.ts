import { expect } from 'chai';
import { InvalidArgumentError, NameTooLongError } from '../../src/errors.js';
import { alternativeName, checkShareName, isIgnored } from '../../src/index/paths.js';

describe('share names', () => {
  it('normalizes harmless names', () => {
    expect(checkShareName('a/./b//c.txt')).to.equal('a/b/c.txt');
    expect(checkShareName('photo 1.jpg')).to.equal('photo 1.jpg');
  });

  for (const bad of [
    '../x',
    'a/../../x',
    '..',
    '/etc/passwd',
    'C:\\x',
    'a\\..\\x',
    'x\0y',
    'bell\u0007',
    '',
    ' lead.txt',
    '.p2pd/index-cache.json',
    'movie.mkv.part',
    '~',
  ]) {
    it(`rejects ${JSON.stringify(bad.length > 40 ? `${bad.slice(0, 20)}…(${bad.length})` : bad)}`, () => {
      expect(() => checkShareName(bad)).to.throw(InvalidArgumentError);
    });
  }

  for (const long of ['x'.repeat(5000), `${'a'.repeat(300)}.txt`, `d/${'é'.repeat(128)}`]) {
    it(`rejects a name of ${Buffer.byteLength(long)} bytes as too long`, () => {
      expect(() => checkShareName(long)).to.throw(NameTooLongError);
    });
  }

  it('ignores temporary and partial files', () => {
    for (const name of [
      'a.part',
      'b.swp',
      'x/.#lock',
      '#auto#',
      'doc.txt~',
      '.p2pd/tmp/x',
      'a.crdownload',
    ]) {
      expect(isIgnored(name), name).to.equal(true);
    }
    expect(isIgnored('notes.txt')).to.equal(false);
    expect(isIgnored('.config/app.json')).to.equal(false);
  });

  it('numbers alternatives before the extension', () => {
    expect(alternativeName('dir/report.pdf', 2)).to.equal('dir/report (2).pdf');
    expect(alternativeName('README', 1)).to.equal('README (1)');
    expect(alternativeName('.bashrc', 1)).to.equal('.bashrc (1)');
  });

  it('cuts the stem of a long name so the alternative still fits in 255 bytes', () => {
    const long = `${'n'.repeat(251)}.txt`;
    expect(alternativeName(`d/${long}`, 12)).to.equal(`d/${'n'.repeat(246)} (12).txt`);
    // Two-byte characters are never split.
    const wide = alternativeName(`${'é'.repeat(125)}.bin`, 3);
    expect(wide).to.equal(`${'é'.repeat(123)} (3).bin`);
    expect(Buffer.byteLength(wide)).to.be.at.most(255);
    // An extension that leaves no room counts as stem.
    const ext = alternativeName(`a.${'e'.repeat(253)}`, 1);
    expect(Buffer.byteLength(ext)).to.equal(255);
    expect(ext.endsWith(' (1)')).to.equal(true);
  });
});
