//! The long names of the attribute short names that onecse's attribute tables use
//! (TS-0004 §8.2.3, tables 8.2.3-1 to 8.2.3-5; TS-0023 for the flexContainer and
//! mgmtObj specializations), so tools can explain a short name to people (the web
//! console shows them beside every attribute). A test checks that every name of every
//! table has its long name here.

/// Short name → long name, sorted by short name (binary search).
static LONG_NAMES: &[(&str, &str)] = &[
    ("aa", "announcedAttribute"),
    ("acop", "accessControlOperations"),
    ("acor", "accessControlOriginators"),
    ("acpi", "accessControlPolicyIDs"),
    ("acr", "accessControlRules"),
    ("acrs", "accessControlRules"),
    ("act", "active"),
    ("acts", "activeSessions"),
    ("adri", "aggregatedResponseIdentifier"),
    ("aei", "AE-ID"),
    ("airi", "announcedInstanceResourceID"),
    ("alaSs", "alarmStatus"),
    ("alarm", "alarm"),
    ("ant", "areaNwkType"),
    ("ape", "activityPatternElements"),
    ("api", "App-ID"),
    ("apn", "appName"),
    ("apri", "appRuleInstance"),
    ("at", "announceTo"),
    ("atmPe", "atmosphericPressure"),
    ("att", "attribute"),
    ("awi", "awakeInterval"),
    ("batMl", "batteryLevel"),
    ("batSe", "batteryState"),
    ("batTd", "batteryThreshold"),
    ("blue", "blue"),
    ("bn", "batchNotify"),
    ("brigs", "brightness"),
    ("btl", "batteryLevel"),
    ("bts", "batteryStatus"),
    ("can", "capabilityName"),
    ("capay", "capacity"),
    ("cas", "capabilityActionStatus"),
    ("cb", "CSEBase"),
    ("cbs", "currentByteSize"),
    ("chaAe", "chargingTime"),
    ("chaVe", "chargingVoltage"),
    ("charg", "charging"),
    ("cmlk", "customAttributeMappingLink"),
    ("cnd", "containerDefinition"),
    ("cnf", "contentInfo"),
    ("cni", "currentNrOfInstances"),
    ("cnm", "currentNrOfMembers"),
    ("cnty", "country"),
    ("code", "code"),
    ("con", "content"),
    ("conr", "contentRef"),
    ("cr", "creator"),
    ("cs", "contentSize"),
    ("csi", "CSE-ID"),
    ("cst", "cseType"),
    ("cstn", "custodian"),
    ("csy", "consistencyStrategy"),
    ("csz", "contentSerialization"),
    ("ct", "creationTime"),
    ("ctm", "currentTime"),
    ("curT0", "currentTemperature"),
    ("cus", "currentState"),
    ("daci", "dynamicAuthorizationConsultationIDs"),
    ("dc", "description"),
    ("dcnt", "dataCount"),
    ("dcse", "descendantCSEs"),
    ("dea", "deactivate"),
    ("descn", "description"),
    ("dgt", "dataGenerationTime"),
    ("dis", "disable"),
    ("disAe", "dischargingTime"),
    ("disVe", "dischargingVoltage"),
    ("discg", "discharging"),
    ("disr", "disableRetrieval"),
    ("dlb", "deviceLabel"),
    ("dty", "deviceType"),
    ("dvd", "devId"),
    ("dvnm", "deviceName"),
    ("dvt", "devType"),
    ("egid", "externalGroupID"),
    ("ena", "enable"),
    ("enc", "eventNotificationCriteria"),
    ("esi", "e2eSecInfo"),
    ("et", "expirationTime"),
    ("exc", "expirationCounter"),
    ("far", "factoryReset"),
    ("fwn", "firmwareName"),
    ("fwv", "firmwareVersion"),
    ("gn", "groupName"),
    ("gpi", "groupRequestIdentifier"),
    ("green", "green"),
    ("hael", "hostedAELinks"),
    ("hash", "hash"),
    ("hcl", "hostedCSELink"),
    ("hsl", "hostedServiceLinks"),
    ("hwv", "hwVersion"),
    ("ici", "includeInstanceInfo"),
    ("in", "install"),
    ("ins", "installStatus"),
    ("lbl", "labels"),
    ("ldv", "listOfDevices"),
    ("lga", "logStart"),
    ("lgd", "logData"),
    ("lgo", "logStop"),
    ("lgst", "logStatus"),
    ("lgt", "logTypeId"),
    ("li", "locationID"),
    ("light", "lightLevel"),
    ("ln", "latestNotify"),
    ("lnh", "listOfNeighbors"),
    ("lnk", "link"),
    ("loc", "location"),
    ("lowBy", "lowBattery"),
    ("lt", "lastModifiedTime"),
    ("lvl", "level"),
    ("maPTd", "maxPressureThreshold"),
    ("macp", "membersAccessControlPolicyIDs"),
    ("man", "manufacturer"),
    ("maxVe", "maxValue"),
    ("mbs", "maxByteSize"),
    ("mdc", "missingDataCurrentNr"),
    ("mdd", "missingDataDetect"),
    ("mdlt", "missingDataList"),
    ("mdn", "missingDataMaxNr"),
    ("mdt", "missingDataDetectTimer"),
    ("mei", "M2M-Ext-ID"),
    ("mfd", "manufacturingDate"),
    ("mfdl", "manufacturerDetailsLink"),
    ("mgca", "mgmtClientAddress"),
    ("mgd", "mgmtDefinition"),
    ("mgs", "mgmtStatus"),
    ("mi", "metaInformation"),
    ("miPTd", "minPressureThreshold"),
    ("mia", "maxInstanceAge"),
    ("mid", "memberIDs"),
    ("minVe", "minValue"),
    ("mma", "memAvailable"),
    ("mmt", "memTotal"),
    ("mni", "maxNrOfInstances"),
    ("mnm", "maxNrOfMembers"),
    ("mod", "model"),
    ("mt", "memberType"),
    ("mtcc", "memberTypeValidated"),
    ("mtv", "memberTypeValidated"),
    ("mutEd", "muteEnabled"),
    ("nar", "notifyAggregation"),
    ("nct", "notificationContentType"),
    ("nec", "notificationEventCat"),
    ("nfu", "notificationForwardingURI"),
    ("ni", "nodeID"),
    ("nid", "networkID"),
    ("nl", "nodeLink"),
    ("nse", "notificationStatsEnable"),
    ("nsi", "notificationStatsInfo"),
    ("nsp", "nodeStatsPeriod"),
    ("nty", "networkType"),
    ("nu", "notificationURI"),
    ("obis", "objectIDs"),
    ("objTe", "objectType"),
    ("objet", "object"),
    ("obps", "objectPaths"),
    ("op", "operation"),
    ("or", "ontologyRef"),
    ("org", "originator"),
    ("ors", "operationResult"),
    ("osv", "osVersion"),
    ("pc", "primitiveContent"),
    ("pei", "periodicInterval"),
    ("peid", "periodicIntervalDelta"),
    ("pi", "parentID"),
    ("pn", "pendingNotification"),
    ("poa", "pointOfAccess"),
    ("powSe", "powerState"),
    ("psn", "preSubscriptionNotify"),
    ("ptl", "protocol"),
    ("purl", "presentationURL"),
    ("pv", "privileges"),
    ("pvs", "selfPrivileges"),
    ("rbo", "reboot"),
    ("reche", "rechargeable"),
    ("red", "red"),
    ("regs", "registrationStatus"),
    ("ri", "resourceID"),
    ("rid", "requestID"),
    ("rl", "resourceLocation"),
    ("rms", "resultMessage"),
    ("rn", "resourceName"),
    ("rqag", "requestAggregation"),
    ("rr", "requestReachability"),
    ("rs", "requestStatus"),
    ("scp", "sessionCapabilities"),
    ("size", "size"),
    ("sld", "sleepDuration"),
    ("sli", "sleepInterval"),
    ("smod", "subscriberMode"),
    ("snr", "sequenceNr"),
    ("speed", "speed"),
    ("spi", "semanticSupportIndicator"),
    ("spty", "specializationType"),
    ("spur", "supportURL"),
    ("srt", "supportedResourceType"),
    ("srv", "supportedReleaseVersions"),
    ("ss", "status"),
    ("ssi", "semanticSupportIndicator"),
    ("st", "stateTag"),
    ("steVe", "stepValue"),
    ("su", "subscriberURI"),
    ("sus", "status"),
    ("swn", "swName"),
    ("swv", "swVersion"),
    ("syst", "systemTime"),
    ("tarTe", "targetTemperature"),
    ("tg", "target"),
    ("tone", "tone"),
    ("tren", "triggerEnable"),
    ("tri", "trigger-Recipient-ID"),
    ("trn", "triggerReferenceNumber"),
    ("trps", "trackRegistrationPoints"),
    ("ty", "resourceType"),
    ("ud", "update"),
    ("uds", "updateStatus"),
    ("un", "uninstall"),
    ("unit", "unit"),
    ("url", "URL"),
    ("volPe", "volumePercentage"),
    ("vr", "version"),
];

/// The long name of an attribute short name (`cni` → `currentNrOfInstances`), or
/// `None` for a name no table of onecse uses.
pub fn long_name(short: &str) -> Option<&'static str> {
    LONG_NAMES
        .binary_search_by(|(name, _)| (*name).cmp(short))
        .ok()
        .and_then(|at| LONG_NAMES.get(at))
        .map(|(_, long)| *long)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::policy::UNIVERSAL;
    use crate::resource::registry::{extension_tables, specs};

    #[test]
    fn the_table_is_sorted_without_duplicates() {
        for pair in LONG_NAMES.windows(2) {
            if let [(a, _), (b, _)] = pair {
                assert!(a < b, "{a} before {b}");
            }
        }
    }

    #[test]
    fn every_attribute_of_every_table_has_a_long_name() {
        let tables = specs()
            .map(|spec| spec.attributes)
            .chain(extension_tables())
            .chain([UNIVERSAL]);
        let missing: Vec<&str> = tables
            .flatten()
            .map(|attribute| attribute.name)
            .filter(|name| long_name(name).is_none())
            .collect();
        assert!(missing.is_empty(), "no long name for {missing:?}");
    }

    #[test]
    fn looks_up_known_and_unknown_names() {
        assert_eq!(long_name("cni"), Some("currentNrOfInstances"));
        assert_eq!(long_name("rn"), Some("resourceName"));
        assert_eq!(long_name("zzz"), None);
    }
}
