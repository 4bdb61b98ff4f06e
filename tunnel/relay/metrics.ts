/** The relay's Prometheus metrics, on a registry of its own (several relays can share a process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class RelayMetrics {
  readonly registry = new Registry();
  readonly sessions = new Gauge({
    name: 'tunnel_sessions',
    help: 'Sessions held by the relay, by state (waiting for the peer, paired)',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly dataConnections = new Gauge({
    name: 'tunnel_data_connections',
    help: 'Tunneled connections being relayed',
    registers: [this.registry],
  });
  readonly bytes = new Counter({
    name: 'tunnel_bytes_total',
    help: 'Bytes relayed, by the sending role',
    labelNames: ['from'],
    registers: [this.registry],
  });
  readonly pairingWait = new Histogram({
    name: 'tunnel_pairing_wait_seconds',
    help: 'Time from the first agent joining to both being paired',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });
  readonly rtt = new Histogram({
    name: 'tunnel_control_rtt_seconds',
    help: 'Relay ↔ agent round trip of the heartbeat (PING → PONG)',
    buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2],
    registers: [this.registry],
  });
  readonly throttled = new Counter({
    name: 'tunnel_throttled_seconds_total',
    help: 'Time reads were paused to hold sessions to their bandwidth cap',
    registers: [this.registry],
  });
  readonly loopLag = new Gauge({
    name: 'tunnel_event_loop_lag_seconds',
    help: 'Worst event-loop delay over the last heartbeat interval',
    registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'tunnel_joins_refused_total',
    help: 'Joins refused, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly websockets = new Counter({
    name: 'tunnel_websocket_connections_total',
    help: 'Agent connections that came as WebSocket (through an HTTPS-only proxy)',
    registers: [this.registry],
  });
  readonly ended = new Counter({
    name: 'tunnel_sessions_ended_total',
    help: 'Sessions ended, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor(processMetrics = false) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
