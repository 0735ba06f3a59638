import { Type } from '@fastify/type-provider-typebox';
import { ANOMALY_LABELS, type AnomalyLabel as Label } from '@ioc/core/contracts';

export const AnomalyLabel = Type.Enum(Object.fromEntries(Object.keys(ANOMALY_LABELS).map((label) => [label, label])) as { [L in Label]: L });
export const AnomalyState = Type.Union([Type.Literal('raised'), Type.Literal('cleared')]);

/** An anomaly event as the API and the socket.io `anomaly` event give it. */
export const AnomalyItem = Type.Object({
  id: Type.Number(),
  deviceId: Type.String(),
  kind: Type.String(),
  metric: Type.Union([Type.String(), Type.Null()], { description: 'the metric blamed; camera_health for camera checks; null for Frigate' }),
  model: Type.String(),
  score: Type.Number(),
  threshold: Type.Number(),
  label: AnomalyLabel,
  state: AnomalyState,
  ts: Type.Number({ description: 'epoch ms of the raise or clear' }),
  receivedAt: Type.Number({ description: 'epoch ms when the IOC stored it' }),
});
