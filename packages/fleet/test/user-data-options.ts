import type { UserDataOptions } from "@trafficlab/fleet";

/** The prod fleet's user data options: a database, a cache, three secrets. */
export const USER_DATA_OPTIONS: UserDataOptions = {
  image: "example/api:1.4.0",
  region: "ap-northeast-2",
  springProfile: "prod",
  timeZone: "Asia/Seoul",
  healthPath: "/actuator/health",
  database: { host: "db.abc.ap-northeast-2.rds.amazonaws.com", port: 3306, name: "trafficlab", username: "admin" },
  cache: { host: "master.tokens.abc.apne2.cache.amazonaws.com", port: 6379, tls: true },
  secretParameters: {
    SPRING_DATASOURCE_PASSWORD: "/trafficlab/prod/prod-api/database-password",
    SPRING_DATA_REDIS_USERNAME: "/trafficlab/prod/prod-api/cache-username",
    SPRING_DATA_REDIS_PASSWORD: "/trafficlab/prod/prod-api/cache-password",
  },
  secretVersions: { "/trafficlab/prod/prod-api/database-password": 3, "/trafficlab/prod/prod-api/cache-username": 1, "/trafficlab/prod/prod-api/cache-password": 1 },
};
