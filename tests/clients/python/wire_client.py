#!/usr/bin/python3
"""A PromptQueue client written only from docs/wire-format.md, with nothing but pika and the standard library.

Publishes N raw JSON requests for one tenant, reads the result events from a queue it declares and binds itself,
and prints one JSON summary line. Used by the integration tests; runnable by hand:

    /usr/bin/python3 tests/clients/python/wire_client.py --count 20 --tenant py-tenant
"""
import argparse
import json
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import pika


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="amqp://guest:guest@127.0.0.1:5672/%2F")
    parser.add_argument("--lane", default="default")
    parser.add_argument("--tenant", default="python-tenant")
    parser.add_argument("--model", default="sim-small")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--reply-queue", action="store_true", help="name a reply queue instead of binding the topic exchange")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    channel = connection.channel()
    channel.confirm_delivery()

    # Our own result queue: server-named, exclusive. Either bound to our tenant's routing keys on the topic
    # exchange, or named as replyTo in each request.
    result_queue = channel.queue_declare(queue="", exclusive=True).method.queue
    if not args.reply_queue:
        channel.queue_bind(queue=result_queue, exchange="promptqueue.results", routing_key=f"{args.tenant}.#")

    request_queue = f"promptqueue.requests.{args.lane}"
    # Passive declare: checks the lane exists without risking 406 PRECONDITION_FAILED on its x-max-priority.
    channel.queue_declare(queue=request_queue, passive=True)

    sent = {}
    for i in range(args.count):
        request_id = str(uuid.uuid4())
        priority = i % 10
        request = {
            "schemaVersion": 1,
            "requestId": request_id,
            "tenantId": args.tenant,
            "model": args.model,
            "messages": [
                {"role": "system", "content": "You answer briefly."},
                {"role": "user", "content": [{"type": "text", "text": f"Python question number {i}?"}]},
            ],
            "temperature": 0,
            "maxTokens": 64,
            "priority": priority,
            "deadline": (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat(),
            "metadata": {"client": "python", "index": str(i)},
            "createdAt": datetime.now(timezone.utc).isoformat(),
            "someFieldFromTheFuture": {"ignored": True},
        }
        if args.reply_queue:
            request["replyTo"] = result_queue
        channel.basic_publish(
            exchange="",
            routing_key=request_queue,
            body=json.dumps(request).encode("utf-8"),
            properties=pika.BasicProperties(
                content_type="application/json",
                delivery_mode=2,
                priority=priority,
                message_id=request_id,
            ),
        )
        sent[request_id] = i

    results = {}
    deadline = time.monotonic() + args.timeout
    for method, properties, body in channel.consume(result_queue, auto_ack=True, inactivity_timeout=1.0):
        if method is not None:
            event = json.loads(body)
            results[event["requestId"]] = event
        if len(results) >= len(sent) or time.monotonic() > deadline:
            break
    channel.cancel()
    connection.close()

    succeeded = [e for e in results.values() if e.get("outcome") == "succeeded"]
    foreign = [e for e in results.values() if e.get("tenantId") != args.tenant or e["requestId"] not in sent]
    summary = {
        "sent": len(sent),
        "received": len(results),
        "succeeded": len(succeeded),
        "foreign": len(foreign),
        "metadataEchoed": all(e.get("metadata", {}).get("client") == "python" for e in results.values()),
        "sources": sorted({e.get("source", "") for e in succeeded}),
        "sample": next(iter(results.values()), None),
    }
    print(json.dumps(summary))
    return 0 if len(results) == len(sent) and len(succeeded) == len(sent) and not foreign else 1


if __name__ == "__main__":
    sys.exit(main())
