import mqtt, { type MqttClient } from 'mqtt';

/**
 * Opens a device's own MQTT connection (username = device id, password = its token). Resolves once connected or
 * rejects with the broker's reason; mqtt.js reconnects by itself afterwards.
 */
export function connectDevice(url: string, deviceId: string, token: string, timeoutMs = 10_000): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId: deviceId,
      username: deviceId,
      password: token,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: timeoutMs,
    });
    const onError = (error: Error) => {
      client.end(true);
      reject(new Error(`device ${deviceId} could not connect to ${url}: ${error.message}`));
    };
    client.once('error', onError);
    client.once('connect', () => {
      client.off('error', onError);
      resolve(client);
    });
  });
}
