//! Open string enums: the spec's values as variants, and anything else kept as `Unknown`, so
//! a new value from the server never breaks decoding.

/// Implemented by every generated enum.
pub trait WireEnum: Sized {
    /// The values the spec lists.
    const VALUES: &'static [&'static str];

    /// The value as sent on the wire.
    fn as_wire(&self) -> &str;

    /// Any string; values not in the spec become `Unknown`.
    fn from_wire(value: &str) -> Self;

    /// Whether the value is one the spec lists.
    fn is_known(&self) -> bool {
        Self::VALUES.contains(&self.as_wire())
    }
}

/// serde, Display, Default, `From<&str>` and the validation check for a generated enum, all
/// through [`WireEnum`].
/// `Default` is an empty `Unknown`, which validation refuses when the field is required.
#[doc(hidden)]
#[macro_export]
macro_rules! wire_enum_impls {
    ($name:ident) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($crate::rt::WireEnum::as_wire(self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let value = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok($crate::rt::WireEnum::from_wire(&value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::rt::WireEnum::as_wire(self))
            }
        }

        impl ::std::default::Default for $name {
            fn default() -> Self {
                $name::Unknown(String::new())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                $crate::rt::WireEnum::from_wire(value)
            }
        }

        impl $crate::rt::check::Checked for $name {
            fn check(
                &self,
                at: &$crate::rt::At<'_>,
                ty: &$crate::rt::Type,
                _checks: &$crate::rt::Checks,
            ) -> Result<(), $crate::Error> {
                $crate::rt::check::wire_enum(self, at, ty)
            }
        }
    };
}
