//! Inquiry classes (pre-sale 售前, in-sale 售中, after-sale 售后) and sets of them (skills).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of question a customer brings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// 售前: questions before buying; the job is conversion (an `Inquiry` 询单).
    PreSale,
    /// 售中: payment problems, coupons, order changes.
    InSale,
    /// 售后: returns, refunds, "where is my parcel".
    AfterSale,
}

impl Class {
    /// Every class, in index order.
    pub const ALL: [Class; 3] = [Class::PreSale, Class::InSale, Class::AfterSale];

    /// Dense index 0..3.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The scenario keyword.
    pub const fn name(self) -> &'static str {
        match self {
            Class::PreSale => "pre_sale",
            Class::InSale => "in_sale",
            Class::AfterSale => "after_sale",
        }
    }

    /// Parses a scenario keyword.
    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.name() == s)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of classes, such as the skills of an agent group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClassSet(u8);

impl ClassSet {
    /// Every class.
    pub const ALL: ClassSet = ClassSet(0b111);

    /// The set holding `classes`.
    pub fn of(classes: &[Class]) -> ClassSet {
        ClassSet(classes.iter().fold(0, |m, c| m | (1 << c.index())))
    }

    /// True when `class` is in the set.
    #[inline]
    pub const fn contains(self, class: Class) -> bool {
        self.0 & (1 << class as u8) != 0
    }

    /// The set as a bit mask (bit i: class index i), 0..8.
    #[inline]
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// The classes in the set, in index order.
    pub fn iter(self) -> impl Iterator<Item = Class> {
        Class::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}
