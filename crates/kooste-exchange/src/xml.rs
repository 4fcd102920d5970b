//! A small element tree over quick-xml, enough to walk a `project.qde`: local names
//! (namespace prefixes dropped), attributes, text, and the line each element starts on.

use quick_xml::XmlVersion;
use quick_xml::events::Event;

/// One element.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Element>,
    pub(crate) text: String,
    pub(crate) line: usize,
}

/// Deeper nesting than this is refused: no REFI-QDA project comes near it, and a tree
/// walked recursively must not overflow the stack.
const MAX_DEPTH: usize = 200;

impl Element {
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Parses a whole document into its root element. Errors are `(line, message)`.
pub(crate) fn parse(xml: &str) -> Result<Element, (usize, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let line_at = |pos: u64| {
        let pos = (pos as usize).min(xml.len());
        1 + xml.as_bytes()[..pos]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
    };
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let before = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            (
                line_at(reader.error_position()),
                format!("not well-formed XML: {e}"),
            )
        })?;
        let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<Element, (usize, String)> {
            let line = line_at(before);
            let name = e.local_name().as_ref().to_string();
            let mut attrs = Vec::new();
            for a in e.attributes() {
                let a = a.map_err(|err| (line, format!("a bad attribute in <{name}>: {err}")))?;
                if a.key.as_ref().starts_with("xmlns") {
                    continue;
                }
                let key = a.key.local_name().as_ref().to_string();
                let value = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|err| (line, format!("a bad value of {key} in <{name}>: {err}")))?
                    .into_owned();
                attrs.push((key, value));
            }
            Ok(Element {
                name,
                attrs,
                line,
                ..Element::default()
            })
        };
        match event {
            Event::Start(e) => {
                if stack.len() > MAX_DEPTH {
                    return Err((line_at(before), "the XML is nested too deeply".into()));
                }
                stack.push(open(&e)?);
            }
            Event::Empty(e) => {
                let el = open(&e)?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(el);
                }
            }
            Event::End(_) => {
                // quick-xml checks that end tags match their start tags.
                let el = stack.pop().unwrap_or_default();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Err((line_at(before), "an end tag without a start".into())),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let line = line_at(before);
                let name = r.xml10_content().into_owned();
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| (line, format!("unknown entity &{name};")))?
                        .to_string(),
                    Err(e) => return Err((line, format!("a bad character reference: {e}"))),
                };
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut doc = stack.pop().unwrap_or_default();
    if !stack.is_empty() {
        return Err((
            line_at(xml.len() as u64),
            "the XML ends before its elements are closed".into(),
        ));
    }
    match doc.children.len() {
        1 => Ok(doc.children.remove(0)),
        0 => Err((1, "the XML has no root element".into())),
        _ => Err((
            doc.children[1].line,
            "the XML has more than one root element".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tree_with_lines_and_entities() {
        let x = "<?xml version=\"1.0\"?>\n<q:Project xmlns:q=\"urn:QDA-XML:project:1.0\" name=\"a &amp; b\">\n  <Description>x &lt; y &#x1D518;</Description>\n  <Users/>\n</q:Project>\n";
        let root = super::parse(x).unwrap();
        assert_eq!(root.name, "Project");
        assert_eq!(root.attr("name"), Some("a & b"));
        assert_eq!(root.line, 2);
        let d = root.child("Description").unwrap();
        assert_eq!(d.text, "x < y 𝔘");
        assert_eq!(d.line, 3);
        assert!(root.child("Users").is_some());
    }

    #[test]
    fn broken_xml_is_an_error_with_a_line() {
        let (line, msg) = super::parse("<Project>\n<Users>\n</Project>").unwrap_err();
        assert_eq!(line, 3, "{msg}");
        assert!(super::parse("").is_err());
        assert!(super::parse("<a/><b/>").is_err());
    }
}
