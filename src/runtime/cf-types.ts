// The Workers runtime's types, imported as a module so they don't clash with Node's and the DOM's globals.
export type { D1Database, ExecutionContext, ExportedHandler, MessageBatch, Queue, ScheduledController } from '@cloudflare/workers-types/index.ts';
