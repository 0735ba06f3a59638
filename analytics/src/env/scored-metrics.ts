import type { DeviceKind } from '@ioc/core';

/** Device kinds whose metrics are environment streams. */
export const ENVIRONMENT_KINDS: readonly DeviceKind[] = ['air', 'water', 'noise'];
/** Device-health metrics that are not environment streams (a draining battery is not an anomaly of the city). */
export const NOT_SCORED_METRICS: readonly string[] = ['battery_v'];
/**
 * Weather observations: scored and used as context (the multivariate model reads temperature and humidity), but
 * never an alarm on their own: rain is not an incident; the flood it brings (water level) is.
 */
export const WEATHER_METRICS: readonly string[] = ['rain_mm', 'temp_c', 'rh'];
/** Metrics whose rise, shared by neighbouring stations, is a hazard to people: a pollution episode or a flood. */
export const HAZARD_RISE_METRICS: readonly string[] = ['pm25', 'pm10', 'no2', 'o3', 'co', 'level_cm'];
