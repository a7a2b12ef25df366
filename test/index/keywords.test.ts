import { expect } from 'chai';
import { compileQuery, tokenize } from '../../src/index/keywords.js';

describe('keywords', () => {
  it('tokenizes names case- and accent-insensitively', () => {
    expect(tokenize('Música/Canción_Final-2024.MP3')).to.deep.equal([
      'musica',
      'cancion',
      'final',
      '2024',
      'mp3',
    ]);
  });

  it('requires every term to prefix a token of the name', () => {
    const { match } = compileQuery('CANC fin');
    expect(match('música/canción_final.mp3')).to.equal(true);
    expect(match('música/canción.mp3')).to.equal(false);
    expect(match('final-cancel.txt')).to.equal(true);
  });

  it('treats wildcards and punctuation as separators, and an empty query as match-all', () => {
    expect(compileQuery('rep*').terms).to.deep.equal(['rep']);
    expect(compileQuery('  ').match('anything')).to.equal(true);
    expect(compileQuery('port').match('report.pdf')).to.equal(false);
  });
});
