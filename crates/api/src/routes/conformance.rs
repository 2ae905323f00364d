//! What every operation of the OpenAPI document shares, said in one place:
//!
//! - the answers any operation may give besides its own: malformed input, a
//!   bad or insufficient token, a missing record, a body too large, a
//!   refused change, the per-token request limit, and load shedding or a
//!   service being away, each as Mastodon's `{"error": "..."}`;
//! - how parameters are read everywhere: booleans the Rails way (as
//!   Mastodon reads them), ids as digits, other text without control
//!   characters, `limit` from 1 and `offset` from 0.

use lookbook_core::config::Limits;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayItems, ObjectBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Required, ResponseBuilder};

/// An id parameter: digits, as many as an id has (empty is the same as absent).
const ID: &str = "^[0-9]{0,18}$";
/// An id in a path: at least one digit.
const PATH_ID: &str = "^[0-9]{1,18}$";

/// Writes besides every `PATCH` whose body may be left out: nothing sent,
/// nothing changed.
const OPTIONAL_BODIES: &[&str] = &[
    "/api/v1/markers",
    "/api/v1/notifications/policy",
    "/api/v1/lists/{id}",
    "/api/v1/statuses/{id}/reblog",
    "/api/v1/lists/{id}/accounts",
    "/api/v2/filters/{id}",
    "/api/v2/filters/keywords/{id}",
    "/api/v1/filters/{id}",
];

/// Forms that may come as multipart bodies.
const MULTIPART_FORMS: &[&str] = &["MediaUploadForm", "ProfileForm"];

/// Whether a parameter names an id (`id`, `max_id`, `account_id`, ...).
fn is_id(name: &str) -> bool {
    name == "id" || name.ends_with("_id") || name.ends_with("id[]")
}

/// Text parameters may hold anything but control characters (tab and line
/// breaks aside), as `params::check_text` enforces.
const NO_CONTROL_CHARACTERS: &str =
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// Status, what it means, and whether only requests with a body can get it.
const COMMON: &[(&str, &str, bool)] = &[
    (
        "400",
        "A parameter or the body is malformed; the error says which",
        false,
    ),
    (
        "401",
        "The access token is missing, invalid or revoked",
        false,
    ),
    ("403", "The token's scopes do not allow this", false),
    (
        "404",
        "Record not found (or not visible to the caller)",
        false,
    ),
    (
        "413",
        "The body is larger than this operation accepts",
        true,
    ),
    (
        "422",
        "The request is well-formed but refused; the error says why",
        false,
    ),
    (
        "429",
        "Too many requests: a rate limit was reached; Retry-After says when to come back",
        false,
    ),
    (
        "503",
        "The server is busy or a service it needs is away; Retry-After says when to come back",
        false,
    ),
];

/// Adds the common answers and parameter rules to every operation, and
/// completes the request body forms.
pub fn apply(api: &mut OpenApi, limits: &Limits) {
    describe_forms(api);
    // The direct upload's size is held to the configured photo limit.
    if let Some(op) = api
        .paths
        .paths
        .get_mut("/api/lookbook/v1/uploads")
        .and_then(|item| item.post.as_mut())
    {
        for param in op.parameters.iter_mut().flatten() {
            if param.name == "size"
                && let Some(RefOr::T(Schema::Object(size))) = param.schema.as_mut()
            {
                size.maximum = Some(limits.photo_bytes.into());
            }
        }
    }
    for (path, item) in api.paths.paths.iter_mut() {
        // A partial update may send nothing: nothing changes.
        if let Some(body) = item.patch.as_mut().and_then(|op| op.request_body.as_mut()) {
            body.required = Some(Required::False);
        }
        if OPTIONAL_BODIES.contains(&path.as_str()) {
            for op in [&mut item.post, &mut item.put, &mut item.delete]
                .into_iter()
                .flatten()
            {
                if let Some(body) = op.request_body.as_mut() {
                    body.required = Some(Required::False);
                }
            }
        }
        let with_body = [&mut item.post, &mut item.put, &mut item.patch];
        for op in with_body.into_iter().flatten() {
            add_errors(op, true);
            describe_parameters(op);
        }
        let without_body = [&mut item.get, &mut item.delete, &mut item.head];
        for op in without_body.into_iter().flatten() {
            add_errors(op, false);
            describe_parameters(op);
        }
    }
}

/// The request body forms (`...Form` schemas): the app form's scopes are
/// the known ones. Fields a form does not list are ignored, as Mastodon
/// ignores them.
fn describe_forms(api: &mut OpenApi) {
    let Some(components) = api.components.as_mut() else {
        return;
    };
    for (name, schema) in components.schemas.iter_mut() {
        let RefOr::T(Schema::Object(form)) = schema else {
            continue;
        };
        if !name.ends_with("Form") {
            continue;
        }
        // Fields a form does not list are ignored, but read like the others:
        // names and values are text without control characters.
        let text = || {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(NO_CONTROL_CHARACTERS))
                .build()
        };
        // (In a multipart body every field is text whatever it looks like, so
        // there the extra fields are left unconstrained.)
        if !MULTIPART_FORMS.contains(&name.as_str()) {
            form.property_names = Some(Box::new(Schema::Object(text())));
            form.additional_properties = Some(Box::new(AdditionalProperties::RefOr(RefOr::T(
                Schema::Object(text()),
            ))));
        }
        // Text fields follow the same rule as text parameters, and so do the
        // names and values inside object fields.
        for (field_name, field) in form.properties.iter_mut() {
            if let RefOr::T(Schema::Array(list)) = field {
                describe_items(field_name, list, true);
                continue;
            }
            let RefOr::T(Schema::Object(field)) = field else {
                continue;
            };
            let has = |t: Type| match &field.schema_type {
                SchemaType::Type(one) => *one == t,
                SchemaType::Array(many) => many.contains(&t),
                SchemaType::AnyValue => false,
            };
            if has(Type::String) && field.pattern.is_none() {
                field.pattern = Some(NO_CONTROL_CHARACTERS.into());
            } else if has(Type::Object) {
                field.property_names = Some(Box::new(Schema::Object(text())));
                field.additional_properties = Some(Box::new(AdditionalProperties::RefOr(
                    RefOr::T(Schema::Object(text())),
                )));
            }
        }
        if name == "AppForm"
            && let Some(RefOr::T(Schema::Object(scopes))) = form.properties.get_mut("scopes")
        {
            let one = format!("({})", lookbook_core::auth::scopes::KNOWN.join("|"));
            // Empty is the same as none: `read`.
            scopes.pattern = Some(format!("^({one}( {one})*)?$"));
        }
    }
}

fn describe_parameters(op: &mut Operation) {
    for param in op.parameters.iter_mut().flatten() {
        describe(param);
    }
}

/// The text items of a list follow the rule for text, or for ids (`whole`:
/// each id at least one digit).
fn describe_items(name: &str, list: &mut utoipa::openapi::schema::Array, whole: bool) {
    let ArrayItems::RefOrSchema(items) = &mut list.items else {
        return;
    };
    let RefOr::T(Schema::Object(item)) = items.as_mut() else {
        return;
    };
    let text = match &item.schema_type {
        SchemaType::Type(one) => *one == Type::String,
        SchemaType::Array(many) => many.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    if text && item.pattern.is_none() && item.enum_values.is_none() {
        item.pattern = Some(
            match (is_id(name), whole) {
                (true, true) => PATH_ID,
                (true, false) => ID,
                (false, _) => NO_CONTROL_CHARACTERS,
            }
            .into(),
        );
    }
}

fn describe(param: &mut Parameter) {
    if let Some(RefOr::T(Schema::Array(list))) = param.schema.as_mut() {
        let in_path = matches!(param.parameter_in, ParameterIn::Path);
        describe_items(&param.name, list, in_path);
        return;
    }
    let Some(RefOr::T(Schema::Object(schema))) = param.schema.as_mut() else {
        return;
    };
    let is = |t: Type| match &schema.schema_type {
        SchemaType::Type(one) => *one == t,
        SchemaType::Array(many) => many.contains(&t),
        SchemaType::AnyValue => false,
    };
    if is(Type::Boolean) {
        // As Mastodon (Rails) reads them: false, f, 0 and off are false,
        // anything else true; absent or empty is the default.
        schema.schema_type = SchemaType::Type(Type::String);
        schema.pattern = Some(NO_CONTROL_CHARACTERS.into());
        let note = "A boolean read as Mastodon reads it: false, f, 0 or off (any case) mean false, any other text true.";
        param.description = Some(match param.description.take() {
            Some(own) => format!("{own}. {note}"),
            None => note.to_string(),
        });
    } else if is(Type::String) && is_id(&param.name) && schema.pattern.is_none() {
        // Ids are numbers written as text, as in Mastodon; an empty query
        // parameter is the same as none.
        let in_path = matches!(param.parameter_in, ParameterIn::Path);
        schema.pattern = Some(if in_path { PATH_ID } else { ID }.into());
    } else if is(Type::String) && schema.pattern.is_none() && schema.enum_values.is_none() {
        schema.pattern = Some(NO_CONTROL_CHARACTERS.into());
    } else if is(Type::Integer) {
        match param.name.as_str() {
            "limit" if schema.minimum.is_none() => schema.minimum = Some(1.into()),
            "offset" if schema.minimum.is_none() => schema.minimum = Some(0.into()),
            _ => {}
        }
    }
}

fn add_errors(op: &mut Operation, has_body: bool) {
    for (status, description, body_only) in COMMON {
        if *body_only && !has_body {
            continue;
        }
        op.responses
            .responses
            .entry((*status).to_string())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description(*description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build()
                    .into()
            });
    }
}
