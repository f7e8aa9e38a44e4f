/** An error shaped as the EC2 API answers one: `name` is EC2's error code, as the SDK sets it. */
export class Ec2Error extends Error {
  readonly $fault: 'client' | 'server';
  constructor(code: string, message: string, fault: 'client' | 'server' = 'client') {
    super(message);
    this.name = code;
    this.$fault = fault;
  }
  get code(): string {
    return this.name;
  }
}
