import Fastify from 'fastify';

/** Baseline for bench:http: bare Fastify answering the same JSON as /health/live. */
const app = Fastify({ logger: false });
app.get('/health/live', async () => ({ status: 'ok' }));
app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' }).then(
  (address) => console.log(`listening ${address}`),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
