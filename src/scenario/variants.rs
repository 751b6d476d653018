//! Plan variants: `[[variants]]` entries that override parts of a scenario by dotted key
//! paths (`"groups.night_veterans.count" = 140`); elements of arrays of tables are found by
//! their `name` (or by index). Setting a named element that does not exist to a whole
//! table adds it (`"groups.temps" = { count = 20, max_chats = 3 }`); `remove = ["groups.temps"]`
//! takes one out. Each variant is validated like a scenario of its own.

use std::path::Path;

use super::{Scenario, ScenarioError, ScenarioFile, parse_extending};
use crate::engine::SimTime;

/// One plan: the scenario as written ("base") or one of its variants.
#[derive(Clone, Debug)]
pub struct Variant {
    /// "base" or the variant's name.
    pub name: String,
    /// The variant's description.
    pub description: String,
    /// The scenario with the variant's overrides applied.
    pub scenario: Scenario,
    /// The window the what-if asks about, an index into the scenarios' `windows`.
    pub window: Option<usize>,
}

/// The base scenario followed by each variant, in file order.
pub fn load_plans(path: &Path) -> Result<Vec<Variant>, ScenarioError> {
    let shown = path.display().to_string();
    let text = crate::input::read_text(path, crate::input::MAX_TOML_BYTES).map_err(|e| {
        ScenarioError::Read {
            file: shown.clone(),
            reason: e,
        }
    })?;
    plans_from_toml(&text, &shown, path.parent().unwrap_or(Path::new(".")))
}

/// [`load_plans`] on TOML text.
pub fn plans_from_toml(
    text: &str,
    file: &str,
    base_dir: &Path,
) -> Result<Vec<Variant>, ScenarioError> {
    let base = Base::from_toml(text, file, base_dir)?;
    let mut plans = vec![Variant {
        name: "base".into(),
        description: base.raw.description.clone(),
        scenario: Scenario::from_file(&base.raw, file, base_dir)?,
        window: None,
    }];
    let mut windows: Vec<(SimTime, SimTime)> = Vec::new();
    for (i, v) in base.variants.iter().enumerate() {
        let err = |key: String, rule: String| ScenarioError::Invalid {
            file: file.into(),
            key,
            rule,
        };
        if v.name.is_empty()
            || !v
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err(
                format!("variants[{i}].name"),
                format!(
                    "`{}` must be letters, digits, `_` or `-` (it names an output folder)",
                    v.name
                ),
            ));
        }
        if v.name == "base" || plans.iter().any(|p| p.name == v.name) {
            return Err(err(
                format!("variants[{i}].name"),
                format!(
                    "variant name `{}` is taken (\"base\" is the scenario itself)",
                    v.name
                ),
            ));
        }
        let sets: Vec<(String, toml::Value)> =
            v.set.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut edited = base.table.clone();
        for (j, path) in v.remove.iter().enumerate() {
            remove_path(&mut edited, path)
                .map_err(|rule| err(format!("variants[{i}].remove[{j}]"), rule))?;
        }
        let scenario = base.with_table(
            edited,
            &sets,
            &format!("variants[{i}].set"),
            &format!("{file} (variant `{}`)", v.name),
        )?;
        let window = match &v.window {
            Some(w) => {
                let ctx = super::validate::Ctx { file, base_dir };
                let key = format!("variants[{i}].window");
                let (a, b) = ctx.window(&key, w, &scenario.calendar, "window")?;
                let horizon = scenario.horizon.as_secs_f64();
                if a < 0.0 || b > horizon {
                    return Err(err(
                        key,
                        "the window must lie inside the scenario's start and end".into(),
                    ));
                }
                let w = (SimTime::from_secs_f64(a), SimTime::from_secs_f64(b));
                if !windows.contains(&w) {
                    windows.push(w);
                }
                windows.iter().position(|x| *x == w)
            }
            None => None,
        };
        plans.push(Variant {
            name: v.name.clone(),
            description: v.description.clone(),
            scenario,
            window,
        });
    }
    // every plan keeps every window, so a variant's window is paired with the base's
    for p in &mut plans {
        p.scenario.windows = windows.clone();
    }
    Ok(plans)
}

/// A scenario file ready to be edited by key paths (variants, sweeps).
pub struct Base {
    /// The file as read (extends followed), without its variants.
    pub raw: ScenarioFile,
    table: toml::Table,
    variants: Vec<super::file::VariantFile>,
    file: String,
    base_dir: std::path::PathBuf,
}

impl Base {
    /// Reads a scenario file.
    pub fn load(path: &Path) -> Result<Base, ScenarioError> {
        let shown = path.display().to_string();
        let text = crate::input::read_text(path, crate::input::MAX_TOML_BYTES).map_err(|e| {
            ScenarioError::Read {
                file: shown.clone(),
                reason: e,
            }
        })?;
        Base::from_toml(&text, &shown, path.parent().unwrap_or(Path::new(".")))
    }

    /// Parses scenario text.
    pub fn from_toml(text: &str, file: &str, base_dir: &Path) -> Result<Base, ScenarioError> {
        let raw = parse_extending(text, file, base_dir)?;
        let variants = raw.variants.clone();
        let raw = ScenarioFile {
            variants: Vec::new(),
            extends: None,
            ..raw
        };
        let table = toml::Table::try_from(&raw).map_err(|e| ScenarioError::Invalid {
            file: file.into(),
            key: "(file)".into(),
            rule: e.to_string(),
        })?;
        Ok(Base {
            raw,
            table,
            variants,
            file: file.to_string(),
            base_dir: base_dir.to_path_buf(),
        })
    }

    /// The scenario with `sets` applied; errors name `key` (for the path) and `label`
    /// (for the validated result).
    pub fn with(
        &self,
        sets: &[(String, toml::Value)],
        key: &str,
        label: &str,
    ) -> Result<Scenario, ScenarioError> {
        self.with_table(self.table.clone(), sets, key, label)
    }

    /// [`Base::with`] on an already edited copy `t` of the file's table.
    fn with_table(
        &self,
        mut t: toml::Table,
        sets: &[(String, toml::Value)],
        key: &str,
        label: &str,
    ) -> Result<Scenario, ScenarioError> {
        let err = |key: String, rule: String| ScenarioError::Invalid {
            file: self.file.clone(),
            key,
            rule,
        };
        for (path, value) in sets {
            set_path(&mut t, path, value.clone())
                .map_err(|rule| err(format!("{key}.\"{path}\""), rule))?;
        }
        let origin = match sets {
            [(path, _)] => format!("{key}.\"{path}\""),
            _ => key.to_string(),
        };
        let edited: ScenarioFile = super::from_table(t, "", &self.file, Some(&origin))?;
        Scenario::from_file(&edited, label, &self.base_dir)
    }
}

/// Sets `value` at the dotted `path` in `root`, creating a missing last key.
pub fn set_path(root: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(format!("`{path}` is not a dotted key path"));
    }
    let (last, parents) = segments.split_last().expect("non-empty");
    let mut here = root;
    let mut walked = String::new();
    let mut i = 0;
    while i < parents.len() {
        let seg = parents[i];
        let next = here
            .get_mut(seg)
            .ok_or_else(|| format!("no key `{seg}`{}", at(&walked)))?;
        walked = join(&walked, seg);
        here = match next {
            toml::Value::Table(t) => t,
            toml::Value::Array(items) => {
                let Some(&elem) = parents.get(i + 1).or(Some(last)) else {
                    unreachable!()
                };
                let whole = i + 1 == parents.len();
                let Some(idx) = find_element(items, elem) else {
                    return match value {
                        toml::Value::Table(mut t) if whole && elem.parse::<usize>().is_err() => {
                            t.insert("name".into(), toml::Value::String(elem.to_string()));
                            items.push(toml::Value::Table(t));
                            Ok(())
                        }
                        _ => Err(format!(
                            "no element named `{elem}` in `{walked}` (to add one, set \
                             \"{walked}.{elem}\" to a whole table)"
                        )),
                    };
                };
                walked = join(&walked, elem);
                if whole {
                    items[idx] = match value {
                        toml::Value::Table(mut t) => {
                            t.entry("name").or_insert(items[idx]["name"].clone());
                            toml::Value::Table(t)
                        }
                        v => v,
                    };
                    return Ok(());
                }
                i += 1;
                match &mut items[idx] {
                    toml::Value::Table(t) => t,
                    _ => return Err(format!("`{walked}` is not a table")),
                }
            }
            _ => return Err(format!("`{walked}` is a value, not a table")),
        };
        i += 1;
    }
    here.insert((*last).to_string(), value);
    Ok(())
}

/// Removes the element named by the last segment of `path` from the array the rest names
/// (`"groups.temps"`, `"network.outages.0"`).
pub fn remove_path(root: &mut toml::Table, path: &str) -> Result<(), String> {
    let segments: Vec<&str> = path.split('.').collect();
    if segments.len() < 2 || segments.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "`{path}` must name an element of an array, e.g. `groups.temps`"
        ));
    }
    let (elem, parents) = segments.split_last().expect("two segments");
    let mut here = root;
    for (i, seg) in parents.iter().enumerate() {
        let walked = parents[..i].join(".");
        let next = here
            .get_mut(*seg)
            .ok_or_else(|| format!("no key `{seg}`{}", at(&walked)))?;
        if i + 1 == parents.len() {
            let toml::Value::Array(items) = next else {
                return Err(format!("`{}` is not an array", parents.join(".")));
            };
            let idx = find_element(items, elem)
                .ok_or_else(|| format!("no element named `{elem}` in `{}`", parents.join(".")))?;
            items.remove(idx);
            return Ok(());
        }
        here = match next {
            toml::Value::Table(t) => t,
            _ => return Err(format!("`{}` is not a table", parents[..=i].join("."))),
        };
    }
    unreachable!("the loop returns at the last parent")
}

fn find_element(items: &[toml::Value], key: &str) -> Option<usize> {
    items
        .iter()
        .position(|it| it.get("name").and_then(|n| n.as_str()) == Some(key))
        .or_else(|| key.parse::<usize>().ok().filter(|i| *i < items.len()))
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

fn at(walked: &str) -> String {
    if walked.is_empty() {
        String::new()
    } else {
        format!(" in `{walked}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_address_tables_and_named_elements() {
        let mut t: toml::Table = toml::from_str(
            "[bot]\ncapacity = 5\n[[groups]]\nname = \"a\"\ncount = 1\n[[groups]]\nname = \"b\"\ncount = 2\n",
        )
        .unwrap();
        set_path(&mut t, "bot.capacity", toml::Value::Integer(9)).unwrap();
        set_path(&mut t, "groups.b.count", toml::Value::Integer(7)).unwrap();
        set_path(&mut t, "groups.0.speed_factor", toml::Value::Float(0.5)).unwrap();
        assert_eq!(t["bot"]["capacity"].as_integer(), Some(9));
        assert_eq!(t["groups"][1]["count"].as_integer(), Some(7));
        assert_eq!(t["groups"][0]["speed_factor"].as_float(), Some(0.5));
        assert!(
            set_path(&mut t, "groups.zz.count", toml::Value::Integer(1))
                .unwrap_err()
                .contains("no element named `zz`")
        );
        assert!(
            set_path(&mut t, "nope.x", toml::Value::Integer(1))
                .unwrap_err()
                .contains("no key `nope`")
        );
        assert!(
            set_path(&mut t, "bot.capacity.x", toml::Value::Integer(1))
                .unwrap_err()
                .contains("is a value")
        );
    }

    #[test]
    fn whole_elements_are_added_replaced_and_removed() {
        let mut t: toml::Table = toml::from_str(
            "[[groups]]\nname = \"a\"\ncount = 1\n[[groups]]\nname = \"b\"\ncount = 2\n",
        )
        .unwrap();
        let new: toml::Value = toml::from_str::<toml::Table>("count = 5").unwrap().into();
        set_path(&mut t, "groups.temps", new.clone()).unwrap();
        assert_eq!(t["groups"][2]["name"].as_str(), Some("temps"));
        assert_eq!(t["groups"][2]["count"].as_integer(), Some(5));
        set_path(&mut t, "groups.a", new).unwrap();
        assert_eq!(
            t["groups"][0]["name"].as_str(),
            Some("a"),
            "the name is kept"
        );
        remove_path(&mut t, "groups.b").unwrap();
        let names: Vec<_> = t["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "temps"]);
        assert!(
            remove_path(&mut t, "groups.zz")
                .unwrap_err()
                .contains("no element named `zz`")
        );
        assert!(
            remove_path(&mut t, "groups")
                .unwrap_err()
                .contains("must name an element")
        );
        assert!(
            set_path(&mut t, "groups.zz.count", toml::Value::Integer(1))
                .unwrap_err()
                .contains("to add one")
        );
    }
}
