/** The three-tier baseline's fixed ids (SEC05-BP01): samples in events/cloudtrail name these. */
export const BASELINE = {
  account: '111122223333',
  region: 'us-east-1',
  vpcId: 'vpc-0a1b2c3d4e5f60001',
  vpcCidr: '10.0.0.0/16',
  internetGatewayId: 'igw-0a1b2c3d4e5f65001',
  natGatewayId: 'nat-0a1b2c3d4e5f66001',
  subnets: {
    public1: 'subnet-0a1b2c3d4e5f61001',
    public2: 'subnet-0a1b2c3d4e5f61002',
    private1: 'subnet-0a1b2c3d4e5f62001',
    private2: 'subnet-0a1b2c3d4e5f62002',
    database1: 'subnet-0a1b2c3d4e5f63001',
    database2: 'subnet-0a1b2c3d4e5f63002',
  },
  routeTables: {
    main: 'rtb-0a1b2c3d4e5f64000',
    public: 'rtb-0a1b2c3d4e5f64001',
    private: 'rtb-0a1b2c3d4e5f64002',
    database: 'rtb-0a1b2c3d4e5f64003',
  },
  /** Explicit associations, and the main table's. */
  associations: {
    main: 'rtbassoc-0a1b2c3d4e5f68000',
    public1: 'rtbassoc-0a1b2c3d4e5f68011',
    public2: 'rtbassoc-0a1b2c3d4e5f68012',
    private1: 'rtbassoc-0a1b2c3d4e5f68021',
    private2: 'rtbassoc-0a1b2c3d4e5f68022',
    database1: 'rtbassoc-0a1b2c3d4e5f68031',
    database2: 'rtbassoc-0a1b2c3d4e5f68032',
  },
  /** The VPC's default network ACL (web and app subnets) and the database tier's own, tagged Tier=Database. */
  networkAcls: {
    default: 'acl-0a1b2c3d4e5f6a000',
    database: 'acl-0a1b2c3d4e5f6a003',
  },
  /** Each subnet's network ACL association (the database subnets' after they moved onto the database ACL). */
  aclAssociations: {
    public1: 'aclassoc-0a1b2c3d4e5f6b011',
    public2: 'aclassoc-0a1b2c3d4e5f6b012',
    private1: 'aclassoc-0a1b2c3d4e5f6b021',
    private2: 'aclassoc-0a1b2c3d4e5f6b022',
    database1: 'aclassoc-0a1b2c3d4e5f6b031',
    database2: 'aclassoc-0a1b2c3d4e5f6b032',
  },
  rules: {
    webHttp: 'sgr-0a1b2c3d4e5f69101',
    webHttps: 'sgr-0a1b2c3d4e5f69102',
    webEgress: 'sgr-0a1b2c3d4e5f69109',
    appFromWeb: 'sgr-0a1b2c3d4e5f69201',
    appAdmin: 'sgr-0a1b2c3d4e5f69202',
    appEgress: 'sgr-0a1b2c3d4e5f69209',
    dbFromApp: 'sgr-0a1b2c3d4e5f69301',
    dbEgress: 'sgr-0a1b2c3d4e5f69309',
    exemptEgress: 'sgr-0a1b2c3d4e5f69409',
  },
  /**
   * Customer-managed prefix lists: the office and VPN ranges (not the internet), and one someone made of
   * the internet in one entry. The route sample's pl-0a1b2c3d4e5f6a002 is not one of them.
   */
  prefixLists: {
    office: 'pl-0a1b2c3d4e5f6a001',
    everywhere: 'pl-0a1b2c3d4e5f6a003',
    /** An AWS-managed list (owner `AWS`), as every region has: Amazon S3's ranges. */
    awsS3: 'pl-63a5400a',
  },
  securityGroups: {
    web: 'sg-0a1b2c3d4e5f67001',
    app: 'sg-0a1b2c3d4e5f67002',
    db: 'sg-0a1b2c3d4e5f67003',
    exempt: 'sg-0a1b2c3d4e5f67004',
  },
} as const;

/** Makes EC2-shaped ids (`sgr-` + 17 hex digits), unique within one account and reproducible. */
export class IdMaker {
  #next = 0x1000;
  constructor(private readonly salt: number = 0xb) {}
  make(prefix: string): string {
    this.#next += 1;
    return `${prefix}-${this.salt.toString(16)}${this.#next.toString(16).padStart(16, '0')}`;
  }
}
