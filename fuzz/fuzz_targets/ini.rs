//! The ini readers (`ssl.ini`, `CRMConnectorSAP_<name>.ini`) on a customer's file in any encoding:
//! saving a file crmsim read changes nothing a reader sees, a `TpiDllParameter` it accepts writes
//! back to itself, and every refusal prints.
#![no_main]

use std::path::Path;

use certs::connector_ini::ConnectorIni;
use certs::inifile::IniFile;
use certs::{SslIni, TpiParameter};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("/fuzz/CRMConnectorSAP_fuzz.ini");
    let ini = match IniFile::from_bytes(data, path) {
        Ok(ini) => ini,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    match ini.to_bytes() {
        Ok(bytes) => match IniFile::from_bytes(&bytes, path) {
            Ok(again) => assert_eq!(again.sections(), ini.sections(), "saved as {bytes:?}"),
            Err(e) => panic!("cannot read back what it saved ({bytes:?}): {e}"),
        },
        Err(e) => {
            let _ = e.to_string();
        }
    }

    let ssl = SslIni::from_ini(ini.clone());
    match ssl.pem_layout() {
        Ok(_) => {
            let _ = ssl.resolve().all().len();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    match ConnectorIni::from_ini(ini) {
        Ok(connector) => {
            let written = connector.tpi.to_string();
            match written.parse::<TpiParameter>() {
                Ok(again) => assert_eq!(again, connector.tpi, "written as {written}"),
                Err(e) => panic!("cannot read back TpiDllParameter={written}: {e}"),
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
