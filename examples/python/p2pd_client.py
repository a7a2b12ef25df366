#!/usr/bin/env python3
"""A p2pd client in Python that knows nothing of p2pd ahead of time.

Like grpcurl, it learns every service and message from the daemon's server
reflection, loads the descriptors into a strict protobuf descriptor pool
(which refuses what grpcurl refuses: misnamed map entries, missing imports),
and then calls the daemon with messages built from those descriptors, using
the .proto's own field names (`timeout_ms`, `bytes_done`).

Needs only Debian's python3-grpcio and python3-protobuf:

    python3 p2pd_client.py --addr 127.0.0.1:7001 list
    python3 p2pd_client.py --addr 127.0.0.1:7001 describe
    python3 p2pd_client.py --addr 127.0.0.1:7001 health
    python3 p2pd_client.py --addr 127.0.0.1:7001 search notes
    python3 p2pd_client.py --addr 127.0.0.1:7001 fetch notes --out notes.txt

Requests and replies are printed as grpcurl prints them: `$ ` lines name the
call, JSON bodies use the .proto's field names.
"""

import argparse
import hashlib
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format

try:  # protobuf >= 4.22
    from google.protobuf.message_factory import GetMessageClass as _message_class
except ImportError:  # Debian 12's 4.21
    from google.protobuf.message_factory import MessageFactory

    def _message_class(descriptor):
        return MessageFactory(descriptor.file.pool).GetPrototype(descriptor)


DEADLINE_S = 10.0


def _reflection_pool():
    """The reflection protocol's own messages, written out by hand: the one
    thing a client must know before it can ask a server about the rest."""
    f = descriptor_pb2.FileDescriptorProto(
        name="grpc/reflection/v1/reflection.proto",
        package="grpc.reflection.v1",
        syntax="proto3",
    )
    S, B, I, M = (
        descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
        descriptor_pb2.FieldDescriptorProto.TYPE_BYTES,
        descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
        descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
    )
    OPT, REP = (
        descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
        descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED,
    )

    def message(name, fields, oneof=None):
        m = f.message_type.add(name=name)
        if oneof:
            m.oneof_decl.add(name=oneof)
        for fname, number, ftype, label, type_name, in_oneof in fields:
            field = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                field.type_name = ".grpc.reflection.v1." + type_name
            if in_oneof:
                field.oneof_index = 0

    message(
        "ServerReflectionRequest",
        [
            ("host", 1, S, OPT, None, False),
            ("file_by_filename", 3, S, OPT, None, True),
            ("file_containing_symbol", 4, S, OPT, None, True),
            ("list_services", 7, S, OPT, None, True),
        ],
        oneof="message_request",
    )
    message("FileDescriptorResponse", [("file_descriptor_proto", 1, B, REP, None, False)])
    message("ServiceResponse", [("name", 1, S, OPT, None, False)])
    message("ListServiceResponse", [("service", 1, M, REP, "ServiceResponse", False)])
    message(
        "ErrorResponse",
        [("error_code", 1, I, OPT, None, False), ("error_message", 2, S, OPT, None, False)],
    )
    message(
        "ServerReflectionResponse",
        [
            ("valid_host", 1, S, OPT, None, False),
            ("file_descriptor_response", 4, M, OPT, "FileDescriptorResponse", True),
            ("list_services_response", 6, M, OPT, "ListServiceResponse", True),
            ("error_response", 7, M, OPT, "ErrorResponse", True),
        ],
        oneof="message_response",
    )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return pool


class ReflectionError(Exception):
    pass


class Daemon:
    """One channel to a daemon, with everything learned through reflection."""

    def __init__(self, address, token=None):
        self.channel = grpc.insecure_channel(address)
        self.metadata = [("authorization", "Bearer " + token)] if token else None
        rp = _reflection_pool()
        self._req = _message_class(rp.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionRequest"))
        self._res = _message_class(rp.FindMessageTypeByName("grpc.reflection.v1.ServerReflectionResponse"))
        # The strict pool: Add() validates each file as protoc would.
        self.pool = descriptor_pool.DescriptorPool()
        self.files = {}  # name -> FileDescriptorProto, in the order they were added

    def _reflect(self, **request):
        call = self.channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=self._res.FromString,
        )
        (reply,) = list(call(iter([self._req(**request)]), timeout=DEADLINE_S))
        if reply.HasField("error_response"):
            raise ReflectionError(reply.error_response.error_message)
        return reply

    def services(self):
        reply = self._reflect(list_services="*")
        return sorted(s.name for s in reply.list_services_response.service)

    def _add_files(self, blobs):
        received = {}
        for blob in blobs:
            proto = descriptor_pb2.FileDescriptorProto.FromString(blob)
            received.setdefault(proto.name, proto)
        # Add in dependency order, asking for any import not sent along.
        def add(name):
            if name in self.files:
                return
            proto = received.get(name)
            if proto is None:
                reply = self._reflect(file_by_filename=name)
                for blob in reply.file_descriptor_response.file_descriptor_proto:
                    p = descriptor_pb2.FileDescriptorProto.FromString(blob)
                    received.setdefault(p.name, p)
                proto = received[name]
            for dep in proto.dependency:
                add(dep)
            self.pool.Add(proto)  # raises TypeError on a descriptor protoc would refuse
            self.files[name] = proto

        for name in list(received):
            add(name)

    def load_all(self):
        """Loads the file of every listed service (and its imports) into the strict pool."""
        for service in self.services():
            reply = self._reflect(file_containing_symbol=service)
            self._add_files(reply.file_descriptor_response.file_descriptor_proto)
        return self.files

    def _method(self, full_method):
        service, method = full_method.rsplit("/", 1)
        m = self.pool.FindServiceByName(service).FindMethodByName(method)
        return m, _message_class(m.input_type), _message_class(m.output_type)

    def call(self, full_method, body):
        """Calls a method with a JSON-shaped body (the .proto's field names);
        returns the reply, or each reply of a server stream."""
        m, req_cls, res_cls = self._method(full_method)
        request = json_format.ParseDict(body, req_cls())
        path = "/%s/%s" % (m.containing_service.full_name, m.name)
        kind = self.channel.unary_stream if m.server_streaming else self.channel.unary_unary
        stub = kind(path, request_serializer=lambda x: x.SerializeToString(), response_deserializer=res_cls.FromString)
        return stub(request, timeout=DEADLINE_S * 6, metadata=self.metadata)


def as_json(message):
    return json.dumps(
        json_format.MessageToDict(message, preserving_proto_field_name=True, including_default_value_fields=False),
        indent=2,
        sort_keys=True,
    )


def show_call(method, body):
    print("$ %s %s" % (method, json.dumps(body, sort_keys=True)))


def cmd_list(d, _args):
    for name in d.services():
        print(name)


def cmd_describe(d, _args):
    for name, proto in d.load_all().items():
        messages = len(proto.message_type)
        services = ", ".join(s.name for s in proto.service) or "-"
        print("%s: package %s, %d messages, services %s, imports %s" % (
            name, proto.package, messages, services, list(proto.dependency) or "none"))
    for name, proto in d.files.items():
        for message in proto.message_type:
            for nested in message.nested_type:
                if nested.options.map_entry:
                    print("map entry %s.%s.%s" % (proto.package, message.name, nested.name))
    print("loaded %d files into a strict descriptor pool" % len(d.files))


def cmd_health(d, _args):
    d.load_all()
    for service in ["", "p2p.v1.PeerService", "p2p.v1.ControlService"]:
        body = {"service": service}
        show_call("grpc.health.v1.Health/Check", body)
        print(as_json(d.call("grpc.health.v1.Health/Check", body)))


def search(d, query, timeout_ms):
    body = {"query": query, "timeout_ms": timeout_ms}
    show_call("p2p.v1.ControlService/Search", body)
    hits = list(d.call("p2p.v1.ControlService/Search", body))
    for hit in hits:
        print(as_json(hit))
    return hits


def cmd_search(d, args):
    d.load_all()
    if not search(d, args.query, args.timeout_ms):
        print("no hits for %r" % args.query)
        return 1
    return 0


def cmd_fetch(d, args):
    """Searches, fetches the first hit onto the daemon, then reads its bytes back from disk."""
    d.load_all()
    hits = search(d, args.query, args.timeout_ms)
    if not hits:
        print("no hits for %r" % args.query, file=sys.stderr)
        return 1
    sha = hits[0].file.sha256
    # Every peer that has the same content is a source: chunks come from all of them.
    sources = sorted({h.peer.address for h in hits if h.file.sha256 == sha})
    body = {"sha256": sha, "sources": sources}
    show_call("p2p.v1.ControlService/Fetch", body)
    last = None
    for update in d.call("p2p.v1.ControlService/Fetch", body):
        last = update
        print(as_json(update))
    if last is None or last.state != "completed":
        print("fetch did not complete", file=sys.stderr)
        return 1
    # PeerService is for peers (TLS with a peer key); the daemon is on this host, so its
    # file is read where the fetch put it.
    with open(last.path, "rb") as landed:
        data = landed.read()
    got = hashlib.sha256(data).hexdigest()
    print("fetched %d bytes to %s, sha256 %s (%s)" % (len(data), last.path, got, "matches" if got == sha else "MISMATCH"))
    if args.out:
        with open(args.out, "wb") as out:
            out.write(data)
    return 0 if got == sha else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--addr", default="127.0.0.1:7001", help="the daemon's gRPC address")
    parser.add_argument("--token", help="grpc.token, for ControlService off this host")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="services, through reflection").set_defaults(run=cmd_list)
    sub.add_parser("describe", help="load every served descriptor into a strict pool").set_defaults(run=cmd_describe)
    sub.add_parser("health", help="grpc.health.v1.Health/Check").set_defaults(run=cmd_health)
    for name, run in (("search", cmd_search), ("fetch", cmd_fetch)):
        p = sub.add_parser(name)
        p.add_argument("query")
        p.add_argument("--timeout-ms", type=int, default=1500)
        if name == "fetch":
            p.add_argument("--out", help="also write the fetched bytes here")
        p.set_defaults(run=run)
    args = parser.parse_args(argv)
    daemon = Daemon(args.addr, args.token)
    try:
        return args.run(daemon, args) or 0
    except grpc.RpcError as err:
        print("error: %s: %s" % (err.code().name, err.details()), file=sys.stderr)
        return 2
    except (ReflectionError, TypeError) as err:
        print("error: %s" % err, file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
