/**
 * The AWS commercial Regions and how many Availability Zones each has (AWS Global
 * Infrastructure, "Regions and Availability Zones", read 2026-11). An account may see fewer
 * (us-west-1 and ap-northeast-1 hide one from newer accounts); the Network component checks
 * the zones the account really sees when it deploys. This table catches, before anything is
 * created, a Region that does not exist and a zone count no account can have.
 */
export const AWS_REGIONS: Readonly<Record<string, { name: string; availabilityZones: number }>> = {
  "us-east-1": { name: "US East (N. Virginia)", availabilityZones: 6 },
  "us-east-2": { name: "US East (Ohio)", availabilityZones: 3 },
  "us-west-1": { name: "US West (N. California)", availabilityZones: 3 },
  "us-west-2": { name: "US West (Oregon)", availabilityZones: 4 },
  "ca-central-1": { name: "Canada (Central)", availabilityZones: 3 },
  "ca-west-1": { name: "Canada West (Calgary)", availabilityZones: 3 },
  "mx-central-1": { name: "Mexico (Central)", availabilityZones: 3 },
  "sa-east-1": { name: "South America (São Paulo)", availabilityZones: 3 },
  "eu-west-1": { name: "Europe (Ireland)", availabilityZones: 3 },
  "eu-west-2": { name: "Europe (London)", availabilityZones: 3 },
  "eu-west-3": { name: "Europe (Paris)", availabilityZones: 3 },
  "eu-central-1": { name: "Europe (Frankfurt)", availabilityZones: 3 },
  "eu-central-2": { name: "Europe (Zurich)", availabilityZones: 3 },
  "eu-north-1": { name: "Europe (Stockholm)", availabilityZones: 3 },
  "eu-south-1": { name: "Europe (Milan)", availabilityZones: 3 },
  "eu-south-2": { name: "Europe (Spain)", availabilityZones: 3 },
  "af-south-1": { name: "Africa (Cape Town)", availabilityZones: 3 },
  "me-south-1": { name: "Middle East (Bahrain)", availabilityZones: 3 },
  "me-central-1": { name: "Middle East (UAE)", availabilityZones: 3 },
  "il-central-1": { name: "Israel (Tel Aviv)", availabilityZones: 3 },
  "ap-east-1": { name: "Asia Pacific (Hong Kong)", availabilityZones: 3 },
  "ap-east-2": { name: "Asia Pacific (Taipei)", availabilityZones: 3 },
  "ap-south-1": { name: "Asia Pacific (Mumbai)", availabilityZones: 3 },
  "ap-south-2": { name: "Asia Pacific (Hyderabad)", availabilityZones: 3 },
  "ap-northeast-1": { name: "Asia Pacific (Tokyo)", availabilityZones: 4 },
  "ap-northeast-2": { name: "Asia Pacific (Seoul)", availabilityZones: 4 },
  "ap-northeast-3": { name: "Asia Pacific (Osaka)", availabilityZones: 3 },
  "ap-southeast-1": { name: "Asia Pacific (Singapore)", availabilityZones: 3 },
  "ap-southeast-2": { name: "Asia Pacific (Sydney)", availabilityZones: 3 },
  "ap-southeast-3": { name: "Asia Pacific (Jakarta)", availabilityZones: 3 },
  "ap-southeast-4": { name: "Asia Pacific (Melbourne)", availabilityZones: 3 },
  "ap-southeast-5": { name: "Asia Pacific (Malaysia)", availabilityZones: 3 },
  "ap-southeast-7": { name: "Asia Pacific (Thailand)", availabilityZones: 3 },
};
