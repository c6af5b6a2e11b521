// Checks a schema-valid profile for what JSON Schema cannot say well: cross-field consistency, files that must
// exist, and the secret-handling rules. Every rule names the field it concerns.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { readCapFile } from '../gp/cap-file.ts';
import { repoRoot } from '../paths.ts';
import type { Profile, SecretRef } from './types.ts';

export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

export interface RuleOptions {
  knownSuites: readonly string[];
  /**
   * The profile is only described (`simcert profile ics`), never used on a card: a secret referenced by env or file
   * need not be at hand, so a lab can state a card's ICS without its keys.
   */
  describeOnly?: boolean;
}

function inside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export function checkRules(p: Profile, opts: RuleOptions): RuleProblem[] {
  const out: RuleProblem[] = [];
  const add = (path: (string | number)[], message: string): void => {
    out.push({ path, message });
  };
  const { ixit, ics } = p;

  if (!ics.t0 && !ics.t1) add(['ics'], 'the card must claim at least one of t0, t1');

  switch (ixit.transport) {
    case 'sim':
      if (!p.sim) add(['sim'], 'transport sim needs a sim section saying how to emulate the card');
      if (!p.card.emulated) add(['card', 'emulated'], 'transport sim drives the bundled simulator: set card.emulated: true');
      break;
    case 'pcsc':
      if (!ixit.reader && (p.sim?.vpcdReaders || (!ixit.identity && !ixit.atr))) {
        add(['ixit', 'transport'], p.sim?.vpcdReaders
          ? 'transport pcsc with a simulator needs ixit.reader, the vpcd reader it is inserted into'
          : 'transport pcsc needs ixit.reader, or ixit.atr / ixit.identity to find the card in the rack (simcert readers lists them)');
      }
      break;
    case 'vpcd':
      if (ixit.vpcd.port === 0 && !p.sim) add(['ixit', 'vpcd', 'port'], 'port 0 (a free port) is only for the bundled simulator (a sim section): a card started by the lab must be told its port');
      break;
  }
  const attached = ixit.transport === 'pcsc' && p.sim?.vpcdReaders !== undefined;
  // With vpcd, a sim section starts the bundled simulator in jCardSim's place, dialling in to ixit.vpcd.
  if (p.sim && ixit.transport === 'pcsc' && !attached) {
    add(['sim'], 'the sim section is used with transport sim or vpcd, or with pcsc plus sim.vpcdReaders');
  }
  if (p.sim && ixit.transport === 'vpcd' && !p.card.emulated) add(['card', 'emulated'], 'a sim section with transport vpcd starts the bundled simulator: set card.emulated: true');
  if (p.sim?.globalPlatform === false) {
    // jCardSim has no card manager: nothing can be installed, locked or personalized through a domain.
    if (ixit.gp) add(['ixit', 'gp'], 'the simulated card has no GlobalPlatform card manager (sim.globalPlatform: false), so no security domain to reach');
    if (ixit.jpki.install === 'gp') add(['ixit', 'jpki', 'install'], 'install gp needs a card manager, but sim.globalPlatform is false: use create-applet');
    for (const claim of ['araMUpdate', 'applicationLocking', 'supplementaryDomains', 'delegatedManagement', 'dap'] as const) {
      if (ics[claim]) add(['ics', claim], `${claim} needs a GlobalPlatform card manager, but sim.globalPlatform is false`);
    }
  }
  if (p.sim?.vpcdReaders && ixit.transport !== 'pcsc') add(['sim', 'vpcdReaders'], 'vpcdReaders are pcscd readers: they need transport pcsc');
  if (attached && !p.card.emulated) add(['card', 'emulated'], 'the simulator is inserted into pcscd: set card.emulated: true');
  if (attached && p.sim!.vpcdReaders!.length === 2 && !ixit.swapReader) {
    add(['sim', 'vpcdReaders'], 'a second vpcd reader is for the handset swap: name it in ixit.swapReader');
  }
  if (attached && ixit.swapReader && p.sim!.vpcdReaders!.length < 2) {
    add(['ixit', 'swapReader'], 'the simulator needs a second entry in sim.vpcdReaders to be moved into this reader');
  }
  if (ixit.identity && ixit.transport !== 'pcsc') add(['ixit', 'identity'], 'finding a card by identity is for PC/SC readers (transport pcsc)');
  if (ixit.reader && ixit.transport !== 'pcsc') add(['ixit', 'reader'], `a reader is only used with transport pcsc (this profile uses ${ixit.transport})`);
  if (ixit.swapReader && ixit.transport !== 'pcsc') add(['ixit', 'swapReader'], `a swap reader is only used with transport pcsc (this profile uses ${ixit.transport})`);
  if (ixit.swapReader && ixit.swapReader === ixit.reader) add(['ixit', 'swapReader'], 'the swap reader must differ from ixit.reader');

  if (ixit.atr?.mask && ixit.atr.mask.length !== ixit.atr.value.length) {
    add(['ixit', 'atr', 'mask'], `the mask has ${ixit.atr.mask.length / 2} bytes, the ATR ${ixit.atr.value.length / 2}`);
  }

  const emulatedOrTest = p.card.emulated || p.card.testCard;
  /**
   * The rules every secret reference follows: inline only on emulated or test cards, a file outside the
   * repository that exists, an environment variable that is set. `noun` words the inline-value message.
   */
  const checkSecret = (path: (string | number)[], ref: SecretRef, inlineNoun: string, fileNoun: string): void => {
    if ('value' in ref) {
      if (!emulatedOrTest) {
        add([...path, 'value'], `${inlineNoun} allowed only for emulated or test cards (card.emulated / card.testCard); use { env: VARIABLE } or { file: PATH }`);
      }
    } else if ('file' in ref) {
      if (inside(repoRoot, ref.file)) add([...path, 'file'], `a ${fileNoun} file must live outside the repository, where it cannot be committed`);
      else if (!existsSync(ref.file) && !opts.describeOnly) add([...path, 'file'], `no such file: ${ref.file}`);
    } else if (!process.env[ref.env] && !opts.describeOnly) {
      add([...path, 'env'], `environment variable ${ref.env} is not set`);
    }
  };
  const AES_KEY = '([0-9A-Fa-f]{32}|[0-9A-Fa-f]{48}|[0-9A-Fa-f]{64})';
  const checkKeys = (path: (string | number)[], ref: SecretRef): void => {
    checkSecret(path, ref, 'inline keys are', 'key');
    if ('value' in ref && !new RegExp(`^${AES_KEY}(:${AES_KEY}:${AES_KEY})?$`).test(ref.value)) {
      add([...path, 'value'], 'keys are one AES key in hex (used as ENC, MAC and DEK) or three joined by ":" (ENC:MAC:DEK)');
    }
  };

  const pin = ixit.jpki.pin;
  checkSecret(['ixit', 'jpki', 'pin'], pin, 'an inline PIN is', 'secret');
  if ('value' in pin && !/^[0-9]{4}$/.test(pin.value)) add(['ixit', 'jpki', 'pin', 'value'], 'the JPKI user-authentication PIN is 4 digits');
  const signingPin = ixit.jpki.signingPin;
  if (signingPin) {
    checkSecret(['ixit', 'jpki', 'signingPin'], signingPin, 'an inline signing password is', 'secret');
    if ('value' in signingPin && !/^[A-Z0-9]{6,16}$/.test(signingPin.value)) {
      add(['ixit', 'jpki', 'signingPin', 'value'], 'the JPKI signing password is 6 to 16 characters of A-Z and 0-9');
    }
  } else if (ixit.jpki.install !== 'none' || ixit.jpki.personalization.source !== 'none') {
    // The applet is personalized only when both halves are (JPKI-CONTRACT.md): the harness needs both PINs.
    add(['ixit', 'jpki'], 'the harness installs or personalizes the JPKI AP, which needs both PINs: give the signing password as ixit.jpki.signingPin ({ value: ... } on emulated/test cards, { env: VARIABLE } or { file: PATH })');
  }

  for (const half of ['userAuth', 'signing'] as const) {
    const f = ixit.jpki.trustedCa?.[half];
    if (f && !existsSync(f)) add(['ixit', 'jpki', 'trustedCa', half], `no such CA certificate file: ${f}`);
  }

  const ota = ixit.ota;
  if (p.ics.otaRam && !ota) add(['ics', 'otaRam'], 'a card that claims OTA remote management needs ixit.ota (TARs and SCP80 key sets)');
  if (ota) {
    const keyHex: Record<string, RegExp> = { '3des-2key': /^[0-9A-Fa-f]{32}$/, '3des-3key': /^[0-9A-Fa-f]{48}$/, aes: new RegExp(`^${AES_KEY}$`) };
    for (const d of ['isd', 'serviceProvider'] as const) {
      const dom = ota[d];
      if (!dom) continue;
      for (const k of ['kic', 'kid'] as const) {
        checkSecret(['ixit', 'ota', d, k, 'key'], dom[k].key, 'inline keys are', 'key');
        const re = keyHex[dom[k].algorithm.startsWith('aes') ? 'aes' : dom[k].algorithm]!;
        const ref = dom[k].key;
        if ('value' in ref && !re.test(ref.value)) add(['ixit', 'ota', d, k, 'key', 'value'], `not a ${dom[k].algorithm} key in hex`);
      }
    }
  }

  const gp = ixit.gp;
  if (gp) {
    checkKeys(['ixit', 'gp', 'keys'], gp.keys);
    if (gp.serviceProvider) checkKeys(['ixit', 'gp', 'serviceProvider', 'keys'], gp.serviceProvider.keys);
    // DAP and token signing keys (PEM) and the receipt key follow the rules of every other secret.
    gp.dap?.domains.forEach((d, i) => checkSecret(['ixit', 'gp', 'dap', 'domains', i, 'key'], d.key, 'an inline DAP key is', 'key'));
    const dm = gp.delegatedManagement;
    if (dm) {
      checkSecret(['ixit', 'gp', 'delegatedManagement', 'tokenKey'], dm.tokenKey, 'an inline token key is', 'key');
      checkSecret(['ixit', 'gp', 'delegatedManagement', 'receiptKey'], dm.receiptKey, 'an inline receipt key is', 'key');
      if ('value' in dm.receiptKey && !new RegExp(`^${AES_KEY}$`).test(dm.receiptKey.value)) {
        add(['ixit', 'gp', 'delegatedManagement', 'receiptKey', 'value'], 'the receipt key is an AES key in hex (16, 24 or 32 bytes)');
      }
    }
    const lf = gp.loadFile;
    if (lf && 'codebase' in lf) {
      const src = resolve(repoRoot, 'lab', 'applets', lf.codebase, 'src');
      if (!existsSync(src)) add(['ixit', 'gp', 'loadFile', 'codebase'], `no applet sources at lab/applets/${lf.codebase}/src`);
      if (!p.card.emulated) add(['ixit', 'gp', 'loadFile', 'codebase'], 'a load file built from lab/ is a JAR for the simulator; a real card needs { cap: FILE }');
    }
    if (lf && 'cap' in lf) {
      // Read the CAP now, so a broken or wrong load file is refused before any card is touched.
      if (!existsSync(lf.cap)) add(['ixit', 'gp', 'loadFile', 'cap'], `no such CAP file: ${lf.cap}`);
      else {
        try {
          const cap = readCapFile(new Uint8Array(readFileSync(lf.cap)));
          if (!cap.appletAids.includes(ixit.jpki.aid.toUpperCase())) {
            add(['ixit', 'gp', 'loadFile', 'cap'], `${lf.cap} holds applets ${cap.appletAids.join(', ') || '(none)'}, not the JPKI AP ${ixit.jpki.aid}`);
          }
        } catch (err) {
          add(['ixit', 'gp', 'loadFile', 'cap'], `${lf.cap}: ${(err as Error).message}`);
        }
      }
    }
  }
  if (ixit.jpki.install === 'gp' && !gp?.loadFile) {
    add(['ixit', 'jpki', 'install'], 'install: gp needs ixit.gp with a loadFile (package AID and codebase)');
  }

  const pers = ixit.jpki.personalization;
  if (pers.source === 'fixture') {
    if (!existsSync(join(pers.vectors, 'user-auth-key.json'))) {
      add(['ixit', 'jpki', 'personalization', 'vectors'], `${pers.vectors} holds no JPKI vectors (user-auth-key.json)`);
    }
    if (!p.card.emulated && !p.card.testCard) {
      add(['ixit', 'jpki', 'personalization', 'source'], 'fixture personalization writes a published test key: emulated or test cards only');
    }
  }
  // The suites put keys of this type in the card: a card that does not claim the algorithm cannot hold them.
  const keyAlg = ixit.jpki.keyAlgorithm;
  const claimed = { rsa2048: ics.rsa2048, p256: ics.ecP256, p384: ics.ecP384 };
  const claim = { rsa2048: 'ics.rsa2048', p256: 'ics.ecP256', p384: 'ics.ecP384' };
  if (keyAlg && !claimed[keyAlg]) add(['ixit', 'jpki', 'keyAlgorithm'], `JPKI keys of type ${keyAlg} need ${claim[keyAlg]}: true`);
  if (ixit.jpki.install === 'create-applet' && !p.card.emulated) {
    add(['ixit', 'jpki', 'install'], "create-applet is jCardSim's simulator command; real cards install through GlobalPlatform");
  }

  if (ics.araM && !ixit.accessControl) {
    add(['ics', 'araM'], 'the ICS claims an ARA-M: ixit.accessControl must list the apps approved to reach the JPKI AP');
  }
  if (ics.araMUpdate && !ics.araM) add(['ics', 'araMUpdate'], 'araMUpdate needs araM: true');

  if (p.sim) {
    const sim = p.sim;
    if (sim.protocol === 'T=0' && sim.extendedLength) add(['sim', 'extendedLength'], 'T=0 cannot carry extended-length APDUs');
    if (sim.protocol === 'T=0' && !ics.t0) add(['sim', 'protocol'], 'the simulator would speak T=0 but ics.t0 is false');
    if (sim.protocol === 'T=1' && !ics.t1) add(['sim', 'protocol'], 'the simulator would speak T=1 but ics.t1 is false');
    if (ics.extendedLength && !sim.extendedLength) add(['ics', 'extendedLength'], 'the ICS claims extended length but sim.extendedLength is false');
    // The emulated card must be the card the ICS describes, or the run tests the lab's typo instead of the variant.
    if (ics.logicalChannels !== sim.logicalChannels) {
      add(['ics', 'logicalChannels'], `the ICS claims ${ics.logicalChannels} logical channel(s) but the simulator has ${sim.logicalChannels} (sim.logicalChannels)`);
    }
    const simScp = sim.isd?.scp ?? '03';
    if (ics.scp !== simScp) add(['ics', 'scp'], `the ICS claims SCP${ics.scp} but the simulated domain speaks SCP${simScp} (sim.isd.scp)`);
    if (sim.ec === false && (ics.ecP256 || ics.ecP384)) add(['sim', 'ec'], 'the simulated card has no elliptic curves but the ICS claims ecP256 or ecP384');
    if (sim.keyGeneration === false && ics.onCardKeyGeneration) add(['sim', 'keyGeneration'], 'the simulated card cannot generate keys but the ICS claims onCardKeyGeneration');
    if (ics.persistentMemory !== undefined && sim.persistentMemory !== undefined && ics.persistentMemory !== sim.persistentMemory) {
      add(['ics', 'persistentMemory'], `the ICS states ${ics.persistentMemory} bytes free but the simulator has ${sim.persistentMemory} (sim.persistentMemory)`);
    }
    if (sim.extendedLength && sim.apduBufferSize < 2048) {
      add(['sim', 'apduBufferSize'], 'extended length needs an APDU buffer of at least 2048 bytes to carry a certificate read');
    }
    const aids = new Set<string>();
    sim.applets.forEach((a, i) => {
      const aid = a.aid.toUpperCase();
      if (aids.has(aid)) add(['sim', 'applets', i, 'aid'], `AID ${aid} is listed twice`);
      aids.add(aid);
      const src = resolve(repoRoot, 'lab', 'applets', a.codebase, 'src');
      if (!existsSync(src) || !statSync(src).isDirectory()) add(['sim', 'applets', i, 'codebase'], `no applet sources at lab/applets/${a.codebase}/src`);
    });
    if (sim.araM && !ics.araM) add(['sim', 'araM'], 'the simulated card gets an ARA-M but ics.araM is false');
    if (ics.araM && !sim.araM) add(['ics', 'araM'], 'the ICS claims an ARA-M but the simulator has none (sim.araM with its rules)');
    const araAid = (ixit.accessControl?.araM ?? 'A00000015141434C00').toUpperCase();
    if (sim.araM && !aids.has(araAid)) add(['sim', 'araM'], `the simulated ARA-M needs its applet in sim.applets (AID ${araAid}, class org.simcert.applets.aram.AraM, codebase ara-m)`);
    if (ixit.jpki.install === 'create-applet' && !aids.has(ixit.jpki.aid.toUpperCase())) {
      add(['ixit', 'jpki', 'aid'], `create-applet needs an applet with AID ${ixit.jpki.aid} in sim.applets`);
    }
  }

  p.suites.forEach((s, i) => {
    if (!opts.knownSuites.includes(s)) add(['suites', i], `no suite named "${s}" (suites: ${opts.knownSuites.join(', ')})`);
  });
  return out;
}
