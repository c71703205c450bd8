/**
 * The images of the metrics services. A digest is pinned only where several independent public
 * sources agree on it for that tag (this machine cannot pull to check); the others are pinned by
 * tag until someone with registry access resolves them (`docker buildx imagetools inspect IMAGE`).
 */
export const OBSERVABILITY_IMAGES = {
  /** Prometheus 3.5.0, an LTS release; the digest is the multi-arch index's, cited in many public repositories. */
  prometheus: "prom/prometheus:v3.5.0@sha256:63805ebb8d2b3920190daf1cb14a60871b16fd38bed42b857a3182bc621f4996",
  /** node exporter 1.9.1; the digest as resolved from Docker Hub by several public repositories. */
  nodeExporter: "prom/node-exporter:v1.9.1@sha256:d00a542e409ee618a4edc67da14dd48c5da66726bbd5537ab2af9c1dfc442c8a",
  /** Tag only: digest to be pinned (no second source for one could be found offline). */
  nginxExporter: "nginx/nginx-prometheus-exporter:1.4.2",
  /** Tag only: digest to be pinned (no source for one could be found offline). */
  redisExporter: "oliver006/redis_exporter:v1.74.0",
  /** Alertmanager 0.28.1; the multi-arch index's digest, cited alike by several public repositories (Docker Hub and quay.io). */
  alertmanager: "prom/alertmanager:v0.28.1@sha256:27c475db5fb156cab31d5c18a4251ac7ed567746a2483ff264516437a39b15ba",
} as const;

/** The images still pinned by tag alone: what a release must resolve to digests first. */
export const IMAGES_AWAITING_DIGEST: readonly (keyof typeof OBSERVABILITY_IMAGES)[] = (Object.keys(OBSERVABILITY_IMAGES) as (keyof typeof OBSERVABILITY_IMAGES)[]).filter(
  (key) => !OBSERVABILITY_IMAGES[key].includes("@sha256:"),
);
