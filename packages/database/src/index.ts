export { Database, finalSnapshotIdentifier } from "./database";
export { DATABASE_DEFAULTS, DATABASE_TYPE, resolveDatabaseSettings, type DatabaseArgs, type DatabaseSettings, type DatabaseTransforms } from "./settings";
export {
  MYSQL_MAJORS,
  MYSQL_INSTANCE_CLASSES,
  EXTENDED_SUPPORT_USD_PER_VCPU_HOUR,
  parseEngineVersion,
  instanceClassVcpus,
  extendedSupportMonthlyUsd,
  type MysqlMajor,
} from "./engine";
