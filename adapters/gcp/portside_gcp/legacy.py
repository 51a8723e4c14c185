"""Legacy background events (Cloud Functions 1st gen) -> the CloudEvent 2nd gen sends instead.

Follows functions-framework's conversion (its event_conversion module is the reference and its
test data the check): the same type table, the same source and subject split per service, the
Pub/Sub message wrapped as `{"message": ...}` with its id and publish time, Firebase Auth
metadata renamed, the Realtime Database location taken from `domain`. Remote Config, which the
Python framework leaves out, follows the conformance mapping the other frameworks use. Pure.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from portside.kit.cloudevents import CloudEvent

PUBSUB, STORAGE, FIRESTORE = "pubsub.googleapis.com", "storage.googleapis.com", "firestore.googleapis.com"
FIREBASE, FIREBASE_AUTH = "firebase.googleapis.com", "firebaseauth.googleapis.com"
FIREBASE_DB, REMOTE_CONFIG = "firebasedatabase.googleapis.com", "firebaseremoteconfig.googleapis.com"
PUBSUB_MESSAGE_TYPE = "type.googleapis.com/google.pubsub.v1.PubsubMessage"

TYPES: Mapping[str, str] = {
    "google.pubsub.topic.publish": "google.cloud.pubsub.topic.v1.messagePublished",
    "providers/cloud.pubsub/eventTypes/topic.publish": "google.cloud.pubsub.topic.v1.messagePublished",
    "google.storage.object.finalize": "google.cloud.storage.object.v1.finalized",
    "google.storage.object.delete": "google.cloud.storage.object.v1.deleted",
    "google.storage.object.archive": "google.cloud.storage.object.v1.archived",
    "google.storage.object.metadataUpdate": "google.cloud.storage.object.v1.metadataUpdated",
    "providers/cloud.storage/eventTypes/object.change": "google.cloud.storage.object.v1.finalized",
    "providers/cloud.firestore/eventTypes/document.write": "google.cloud.firestore.document.v1.written",
    "providers/cloud.firestore/eventTypes/document.create": "google.cloud.firestore.document.v1.created",
    "providers/cloud.firestore/eventTypes/document.update": "google.cloud.firestore.document.v1.updated",
    "providers/cloud.firestore/eventTypes/document.delete": "google.cloud.firestore.document.v1.deleted",
    "providers/firebase.auth/eventTypes/user.create": "google.firebase.auth.user.v1.created",
    "providers/firebase.auth/eventTypes/user.delete": "google.firebase.auth.user.v1.deleted",
    "providers/google.firebase.analytics/eventTypes/event.log": "google.firebase.analytics.log.v1.written",
    "providers/google.firebase.database/eventTypes/ref.create": "google.firebase.database.ref.v1.created",
    "providers/google.firebase.database/eventTypes/ref.write": "google.firebase.database.ref.v1.written",
    "providers/google.firebase.database/eventTypes/ref.update": "google.firebase.database.ref.v1.updated",
    "providers/google.firebase.database/eventTypes/ref.delete": "google.firebase.database.ref.v1.deleted",
    "google.firebase.remoteconfig.update": "google.firebase.remoteconfig.remoteConfig.v1.updated",
}

# Event type prefix -> the CloudEvent service, for resources that do not name their service.
_SERVICES: tuple[tuple[str, str], ...] = (
    ("providers/cloud.firestore/", FIRESTORE),
    ("providers/google.firebase.analytics/", FIREBASE),
    ("providers/firebase.auth/", FIREBASE_AUTH),
    ("providers/google.firebase.database/", FIREBASE_DB),
    ("providers/cloud.pubsub/", PUBSUB),
    ("providers/cloud.storage/", STORAGE),
    ("google.pubsub", PUBSUB),
    ("google.storage", STORAGE),
    ("google.firebase.remoteconfig.", REMOTE_CONFIG),
)

# Services whose resource splits into the CloudEvent's source resource and its subject.
_SPLIT: Mapping[str, re.Pattern[str]] = {
    FIREBASE: re.compile(r"^(projects/[^/]+)/(events/[^/]+)$"),
    FIREBASE_DB: re.compile(r"^projects/_/(instances/[^/]+)/(refs/.+)$"),
    FIRESTORE: re.compile(r"^(projects/[^/]+/databases/\(default\))/(documents/.+)$"),
    STORAGE: re.compile(r"^(projects/[^/]+/buckets/[^/]+)/(objects/.+)$"),
}
_AUTH_METADATA = {"createdAt": "createTime", "lastSignedInAt": "lastSignInTime"}


class ConversionError(ValueError):
    """A legacy event that cannot become a CloudEvent (the message says what is missing)."""


def is_legacy_event(document: Mapping[str, Any]) -> bool:
    """The two legacy layouts: `{"context": {...eventType...}, "data": ...}` and the flat
    `{"eventId", "eventType", "resource", "data", ...}` (Firebase's)."""
    context = document.get("context")
    if isinstance(context, dict):
        return isinstance(context.get("eventType"), str)
    return isinstance(document.get("eventType"), str) and "eventId" in document and "resource" in document


def to_cloudevent(document: Mapping[str, Any]) -> CloudEvent:
    """The CloudEvent a legacy event becomes (ConversionError when it cannot)."""
    context = document.get("context")
    if not isinstance(context, dict):
        context = {key: document.get(key) for key in ("eventId", "timestamp", "eventType", "resource")}
    data = copy.deepcopy(document.get("data", ""))
    event_id, timestamp = context.get("eventId"), context.get("timestamp")
    event_type, resource = context.get("eventType"), context.get("resource")
    if not isinstance(event_type, str) or event_type not in TYPES:
        raise ConversionError(
            f"legacy event type {event_type!r} has no CloudEvent equivalent; portside converts "
            f"{len(TYPES)} types (Pub/Sub, Cloud Storage, Firestore, Firebase Auth, Realtime Database, "
            "Remote Config, Analytics)"
        )
    if not isinstance(event_id, str) or not event_id:
        raise ConversionError("legacy event has no eventId")
    service, resource_name, subject = _split(event_type, resource)
    source = f"//{service}/{resource_name}"
    if service == PUBSUB:
        if not isinstance(data, dict):
            raise ConversionError("a legacy Pub/Sub event's data is the message object")
        data.setdefault("messageId", event_id)
        if "publishTime" not in data and timestamp is not None:
            data["publishTime"] = timestamp
        data = {"message": data}
    elif service == FIREBASE_AUTH and isinstance(data, dict):
        metadata = data.get("metadata")
        if isinstance(metadata, dict):
            for old, new in _AUTH_METADATA.items():
                if old in metadata:
                    metadata[new] = metadata.pop(old)
        if "uid" in data:
            subject = f"users/{data['uid']}"
    elif service == FIREBASE_DB:
        domain = document.get("domain")
        if not isinstance(domain, str) or not domain:
            raise ConversionError("a legacy Realtime Database event has no 'domain'")
        location = "us-central1" if domain == "firebaseio.com" else domain.split(".")[0]
        resource_name = f"projects/_/locations/{location}/{resource_name}"
        source = f"//{service}/{resource_name}"
    return CloudEvent(
        TYPES[event_type], source, data, id=event_id,
        time=timestamp if isinstance(timestamp, str) else None,
        subject=subject or None, datacontenttype="application/json",
    )


def _split(event_type: str, resource: Any) -> tuple[str, str, str]:
    """(service, resource, subject) of a legacy event's resource."""
    service = ""
    if isinstance(resource, dict):
        service = resource.get("service") or ""
        name = resource.get("name")
    else:
        name = resource
    if not isinstance(name, str):
        raise ConversionError("legacy event has no resource name")
    if not isinstance(service, str) or not service:
        service = next((svc for prefix, svc in _SERVICES if event_type.startswith(prefix)), "")
        if not service:
            raise ConversionError(f"no CloudEvent service is known for legacy event type {event_type!r}")
    pattern = _SPLIT.get(service)
    if pattern is None:
        return service, name, ""
    match = pattern.fullmatch(name)
    if match is None:
        raise ConversionError(f"legacy {service} resource {name!r} does not have the documented form")
    return service, match.group(1), match.group(2)
