import type { RegistryRecord } from '@ioc/core';
import type { RuleScope } from '../rules/rule-schema.ts';

/** Whether a device is within a rule's scope: every filter the scope names must hold. */
export function inScope(scope: RuleScope, device: Pick<RegistryRecord, 'id' | 'kind' | 'areaId'>): boolean {
  if (scope.deviceIds && !scope.deviceIds.includes(device.id)) return false;
  if (scope.kinds && !scope.kinds.includes(device.kind)) return false;
  if (scope.areaIds && (device.areaId === null || !scope.areaIds.includes(device.areaId))) return false;
  return true;
}
