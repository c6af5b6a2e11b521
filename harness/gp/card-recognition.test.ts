// Card recognition data: the SCP/i object read as the OIDs GPCS 2.3.1 H.2 defines; the example OID
// 2A864886FC6B040370 (SCP03, i = 70) is the one ../shared/reference/globalplatform.md 2.1 quotes.
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.ts';
import { parseCardRecognition } from './card-content.ts';

describe('card recognition data', () => {
  it('reads the GlobalPlatform version and SCP03 i=70', () => {
    const data = fromHex('6631732F06072A864886FC6B01600C060A2A864886FC6B02020301630906072A864886FC6B03640B06092A864886FC6B040370');
    expect(parseCardRecognition(data)).toEqual({ gpVersion: '2.3.1', scp: { version: 3, i: 0x70 } });
  });

  it('reads SCP02 i=55 and ignores objects that are not GlobalPlatform OIDs', () => {
    const data = fromHex('731D640B06092A864886FC6B040255650E060C2B0601040181BB4E01020304');
    expect(parseCardRecognition(data)).toEqual({ scp: { version: 2, i: 0x55 } });
  });
});
