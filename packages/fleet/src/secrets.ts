import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { transformed, type ChildTransform } from "@trafficlab/validation";

/** The secrets a fleet keeps in Parameter Store, by the API variable each becomes. */
export const SECRET_VARIABLES = {
  "database-password": "SPRING_DATASOURCE_PASSWORD",
  "cache-username": "SPRING_DATA_REDIS_USERNAME",
  "cache-password": "SPRING_DATA_REDIS_PASSWORD",
} as const;

export type SecretKey = keyof typeof SECRET_VARIABLES | "registry-password";

/** `<path>/<key>`: the parameter's name, explicit and hierarchical so IAM can name exactly it. */
export function secretParameterName(path: string, key: SecretKey): string {
  return `${path}/${key}`;
}

export interface SecretParameter {
  key: SecretKey;
  name: string;
  parameter: aws.ssm.Parameter;
}

/**
 * One SecureString per secret, Standard tier (free; Secrets Manager would be USD 0.40 a secret
 * a month), under the AWS managed key aws/ssm. A new value is an in-place PutParameter that
 * bumps the parameter's version; the launch template's user data names the versions, so the
 * change rolls out by instance refresh. Explicitly named, so a replacement deletes the old one
 * first: create-before-delete would collide on the name (ParameterAlreadyExists).
 */
export function createSecretParameters(
  name: string,
  path: string,
  values: Partial<Record<SecretKey, pulumi.Input<string>>>,
  options: { tags: Record<string, string>; transform?: ChildTransform<aws.ssm.ParameterArgs>; parent: pulumi.Resource },
): SecretParameter[] {
  return (Object.entries(values) as [SecretKey, pulumi.Input<string> | undefined][])
    .filter((entry): entry is [SecretKey, pulumi.Input<string>] => entry[1] !== undefined)
    .map(([key, value]) => {
      const parameterName = secretParameterName(path, key);
      const parameter = new aws.ssm.Parameter(
        `${name}-${key}`,
        ...transformed(
          options.transform,
          {
            name: parameterName,
            type: "SecureString",
            tier: "Standard",
            value: pulumi.secret(value),
            // Fixed: the description is one of the two inputs that bump the version (and so roll the fleet).
            description: `trafficlab ${key} for ${name}; read by its instances at boot`,
            tags: { ...options.tags, Name: `${name}-${key}` },
          },
          { parent: options.parent, deleteBeforeReplace: true },
        ),
      );
      return { key, name: parameterName, parameter };
    });
}
