// The shape of a loaded profile: profiles/profile.schema.json after validation, defaults filled in and paths
// made absolute. ICS = what the card claims to support; IXIT = how the lab reaches and drives it.

/** Where a secret comes from. Inline values are accepted only for emulated or test cards. */
export type SecretRef = { value: string } | { env: string } | { file: string };

export type Personalization = { source: 'fixture'; vectors: string } | { source: 'none' };

export interface SimApplet {
  aid: string;
  class: string;
  /** Folder under lab/applets holding the applet's sources. */
  codebase: string;
}

export interface SimSettings {
  atr: string;
  protocol: 'T=0' | 'T=1';
  extendedLength: boolean;
  apduBufferSize: number;
  logicalChannels: number;
  applets: SimApplet[];
  /** Transport pcsc: pcscd's vpcd readers to insert the card into (ixit.reader's, then ixit.swapReader's). */
  vpcdReaders?: { host: string; port: number }[];
  /** The simulated issuer security domain: SCP03 test keys (hex), key version, lock threshold, CPLC. */
  isd?: { aid?: string; scp?: '02' | '03'; scp02CardChallenge?: string; s16?: boolean; sequenceCounter?: number; enc?: string; mac?: string; dek?: string; kvn?: number; maxAuthFailures?: number; defaultSelected?: boolean; cplc?: string };
  /** The simulated card's OTA side: SCP80 key sets and TARs (domain 'isd' or an SSD AID). */
  ota?: {
    keysets: { domain: string; kvn: number; kic: { algorithm: OtaCipherName; key: string }; kid: { algorithm: OtaChecksumName; key: string }; counter?: number }[];
    tars: { tar: string; domain: string; minimumSecurityLevel: string }[];
  };
  /** ICCID the simulated card serves from EF ICCID (2FE2). */
  iccid?: string;
  /** Fault injection for testing the harness: the card is pulled out after this many APDUs. */
  /** A declared timing model for benchmark checks (off by default; never card timing). */
  timingModel?: { seed?: number; keygen?: TimingDistribution; sign?: TimingDistribution };
  /** False emulates a card without elliptic curves. */
  ec?: boolean;
  /** false emulates a card whose platform has no RSA (KeyBuilder refuses RSA keys). */
  rsa?: boolean;
  /** false emulates a platform whose only prime curve is P-384 (KeyBuilder refuses P-256 keys). */
  ecP256?: boolean;
  /** False emulates a platform that cannot generate key pairs on the card (KeyPair.genKeyPair refuses). */
  keyGeneration?: boolean;
  /** false: no GlobalPlatform card manager, as in jCardSim. */
  globalPlatform?: boolean;
  /** Secure content management keys (GPCS C.1): DAP and token public keys (PEM files, absolute after loading), receipt key. */
  contentManagement?: { dapKeys?: { sd: string; publicKey: string }[]; tokenKey?: string; receiptKey?: string };
  /** Bytes of non-volatile memory the simulated card has free for load files and instances. */
  persistentMemory?: number;
  /** The rules the carrier provisioned into the simulated ARA-M (AID or 'all', certificate hash or 'all'). */
  araM?: { rules: SimAccessRule[] };
  faults?: {
    removeAfterApdus?: number;
    tearAtWrite?: number;
    hostile?: 'truncated' | 'overlong' | 'unknown-sw' | 'loop-61' | 'loop-6c' | 'silence' | 'corrupt-data' | 'bad-length';
    hostileAfter?: number;
    /** Only commands starting with these bytes (hex) get hostile answers. */
    hostileCommand?: string;
    /** A broken security domain that takes any C-MAC / any host cryptogram: shows that the suites catch one. */
    skipCmacCheck?: boolean;
    skipHostCryptogramCheck?: boolean;
    /** An SCP03 security domain that claims a pseudo-random card challenge (i 70) but sends a random one. */
    randomCardChallenge?: boolean;
    /** Secure content management that does not check DAP blocks, or tokens (GPCS C.3, C.4): a broken card. */
    skipDapCheck?: boolean;
    skipTokenCheck?: boolean;
  };
}

export type OtaCipherName = '3des-2key' | '3des-3key' | 'aes-cbc';
export type OtaChecksumName = '3des-2key' | '3des-3key' | 'aes-cmac';

/** A security domain's RAM as its TSM reaches it over the air: TAR and SCP80 key set. */
export interface OtaDomainIxit {
  tar: string;
  kvn: number;
  kic: { algorithm: OtaCipherName; key: SecretRef };
  kid: { algorithm: OtaChecksumName; key: SecretRef };
}

export interface OtaIxit {
  spi: {
    checksum: 'none' | 'cc';
    ciphered: boolean;
    counter: 'none' | 'available' | 'higher' | 'one-higher';
    por: 'none' | 'required' | 'on-error';
    porChecksum: 'none' | 'cc';
    porCiphered: boolean;
    porViaSubmit: boolean;
  };
  format: 'compact' | 'expanded';
  firstCounter: number;
  isd: OtaDomainIxit;
  serviceProvider?: OtaDomainIxit;
}

export interface SimAccessRule {
  aid: string;
  app: string;
  apdu: 'always' | 'never';
}

export interface TimingDistribution {
  distribution: 'fixed' | 'lognormal';
  medianMs: number;
  cv: number;
}

export interface Profile {
  /** Absolute path of the YAML file it came from. */
  file: string;
  name: string;
  description?: string;
  /** false: the facts come from public sources and are not yet confirmed on a card (a card model's example profile). */
  verified?: boolean;
  card: {
    carrier: string;
    variant: string;
    vendor?: string;
    emulated: boolean;
    testCard: boolean;
  };
  ics: {
    t0: boolean;
    t1: boolean;
    extendedLength: boolean;
    logicalChannels: number;
    rsa2048: boolean;
    sha1DigestInfo: boolean;
    keyInjection: boolean;
    onCardKeyGeneration: boolean;
    ecP256: boolean;
    ecP384: boolean;
    javaCard: string;
    globalPlatform: string;
    scp: '02' | '03';
    /** SCP i parameter, hex. */
    scpI: string;
    supplementaryDomains: boolean;
    delegatedManagement: boolean;
    /** An SSD with the DAP Verification privilege checks load file data block signatures (GPCS C.3). */
    dap: boolean;
    /** Bytes of non-volatile memory free for applications, when the card states it. */
    persistentMemory?: number;
    /** An ARA-M (GlobalPlatform SEAC) holds the rules Android applies to the card's applets. */
    araM: boolean;
    /** The ARA-M takes new rules through STORE DATA from the profile's security domain. */
    araMUpdate: boolean;
    /** The profile's security domain may lock and unlock the JPKI application (SET STATUS). */
    applicationLocking: boolean;
    /** Remote application management over the air (SCP80 by SMS-PP, ETSI TS 102 225/226); driven by ixit.ota. */
    otaRam: boolean;
  };
  ixit: {
    transport: 'sim' | 'vpcd' | 'pcsc';
    reader?: string;
    /** Second PC/SC reader, for the handset swap. */
    swapReader?: string;
    /** Finds the card in a rack by identity (with the ATR), when no reader is named. */
    identity?: { iccid: string };
    vpcd: { host: string; port: number };
    atr?: { value: string; mask?: string };
    jpki: {
      aid: string;
      pin: SecretRef;
      pinTryLimit: number;
      /** The signing password (EF 001B); absent on a real card whose lab does not test the signing half. */
      signingPin?: SecretRef;
      signingPinTryLimit: number;
      /** CA certificates (DER, absolute paths after loading) the card's certificates must chain to. */
      trustedCa?: { userAuth?: string; signing?: string };
      install: 'create-applet' | 'gp' | 'none';
      /** For a fixture, `vectors` is an absolute path. */
      personalization: Personalization;
      /** Both keys' type in the instance the suites install and personalize; absent: rsa2048. */
      keyAlgorithm?: 'rsa2048' | 'p256' | 'p384';
      /** Status word (hex) of SELECT of the JPKI AP while it is LOCKED. */
      lockedSelectSw: string;
    };
    /** What the ARA-M must grant: the JPKI AP reachable by these apps only (hash of the signing certificate, hex). */
    accessControl?: { araM: string; approvedApps: { name: string; hash: string }[] };
    timeouts: { connectMs: number; apduMs: number };
    gp?: {
      sd: string;
      kvn: number;
      level: '01' | '03' | '11' | '13' | '33';
      /** Resolves to one key for ENC, MAC and DEK, or three joined by ':' (hex). */
      keys: SecretRef;
      diversification: 'none' | 'emv' | 'visa2' | 'kdf3';
      /** The applet package: built from lab/ (emulated cards) or a CAP file (absolute path after loading). */
      loadFile?: { packageAid: string; codebase: string } | { cap: string };
      existingInstanceSw: string;
      /** Memory quotas for the JPKI instance (INSTALL system parameters C8 / C7). */
      quota?: { nonVolatile?: number; volatile?: number };
      /** DAP verification: the SSDs with the DAP Verification privilege and each one's DAP signing key (PEM). */
      dap?: { domains: { sd: string; key: SecretRef }[]; hash: 'sha1' | 'sha256' | 'sha384' | 'sha512' };
      /** Delegated management: the SSD with the DM privilege, the token signing key (PEM), the receipt key (AES hex). */
      delegatedManagement?: { sd: string; tokenKey: SecretRef; receiptKey: SecretRef };
      /** The service provider's supplementary security domain and its keys (the SP/carrier split). */
      serviceProvider?: { sd: string; kvn: number; keys: SecretRef };
    };
    /** OTA (ics.otaRam): the TSMs' side of SCP80. */
    ota?: OtaIxit;
  };
  sim?: SimSettings;
  suites: string[];
}
