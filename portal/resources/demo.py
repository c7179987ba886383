"""Demo knowledge base: case law, training material and position papers (all fictional).

Courts and norms are real; parties, file numbers and facts are invented, and every person is
named only by an initial. The records go through the JSONL importer (so the demo exercises it)
and are idempotent by external id: loading them twice changes nothing. A few attachments (TXT,
DOCX, PDF) are generated in code and stored through the attachment service.
"""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.files.pdf import text_pdf
from portal.resources.courts import sync_courts
from portal.resources.models import Attachment, Resource
from portal.resources.services import add_attachment
from portal.resources.transfer import ImportSummary, import_lines

STRAF, AUFENTHALT, ARBEIT = "strafrecht", "aufenthaltsrecht", "arbeitsrecht"
SOZIAL, OEG, ZIVIL = "sozialrecht", "opferentschaedigung", "zivilrecht"
EUROPA, VERFASSUNG = "europarecht", "verfassungsrecht"


def _case(ext, court, day, file_number, kind, areas, norms, outcome, title, summary, **more):
    record = {
        "external_id": f"demo-case-{ext}",
        "type": "case_law",
        "title": title,
        "summary": summary,
        "court": court,
        "decision_date": day,
        "file_number": file_number,
        "decision_type": kind,
        "legal_areas": areas,
        "norms": norms,
        "outcome": outcome,
        "published_on": more.pop("published_on", None) or day,
    }
    if "links" in more:
        more["links"] = [
            {"kind": kind_, "target": target if target.startswith("demo-") else f"demo-{target}"}
            for kind_, target in more["links"]
        ]
    record.update(more)
    return record


# (ext, court, date, file number, decision type, legal areas, norms, outcome, title, summary)
# fmt: off
CASE_LAW = [
    # --- Strafrecht -------------------------------------------------------------------------
    _case(
        "lg-hamburg-2017", "LG Hamburg", "2017-06-21", "621 KLs 14/16", "urteil", [STRAF],
        ["§ 232a StGB", "§ 232 StGB", "§ 397a StPO"], "acquittal",
        "Freispruch vom Vorwurf der Zwangsprostitution mangels Zwangslage",
        "Die Strafkammer sprach den Angeklagten K. vom Vorwurf der Zwangsprostitution "
        "(§ 232a StGB) frei. Sie hielt die Angaben der Nebenklägerin Frau D. zwar für "
        "glaubhaft, sah aber eine Ausnutzung der auslandsspezifischen Hilflosigkeit nicht als "
        "erwiesen an, weil die Zeugin über ein Mobiltelefon verfügte und Kontakt zu "
        "Angehörigen hatte.",
        topics=["Zwangsprostitution", "Beweiswürdigung"], tags=["Hilflosigkeit"],
        links=[("instance", "case-bgh-2018-5str")],
    ),
    _case(
        "bgh-2018-5str", "BGH", "2018-03-14", "5 StR 512/17", "urteil", [STRAF],
        ["§ 232a StGB", "§ 232 StGB", "§ 261 StPO"], "other",
        "BGH hebt Freispruch auf: Hilflosigkeit trotz Mobiltelefon möglich",
        "Auf die Revisionen der Staatsanwaltschaft und der Nebenklägerin hob der 5. Strafsenat "
        "den Freispruch auf. Auslandsspezifische Hilflosigkeit setze keine vollständige "
        "Isolation voraus; fehlende Sprachkenntnisse, Schulden gegenüber dem Angeklagten und die "
        "Abgabe des Passes seien in einer Gesamtschau zu würdigen. Die Sache wurde an eine "
        "andere Strafkammer zurückverwiesen.",
        topics=["Zwangsprostitution", "Revision"], tags=["Hilflosigkeit", "Gesamtschau"],
        links=[("instance", "case-lg-hamburg-2019")],
    ),
    _case(
        "lg-hamburg-2019", "LG Hamburg", "2019-02-07", "632 KLs 3/18", "urteil", [STRAF],
        ["§ 232a StGB", "§ 232 StGB", "§ 73 StGB"], "conviction",
        "Nach Zurückverweisung: Verurteilung wegen Zwangsprostitution",
        "Nach Zurückverweisung verurteilte die Strafkammer den Angeklagten K. wegen "
        "Zwangsprostitution zu drei Jahren und neun Monaten Freiheitsstrafe und ordnete die "
        "Einziehung des Wertes von Taterträgen in Höhe von 48.000 € an. Der Nebenklägerin wurde "
        "im Adhäsionsverfahren ein Schmerzensgeld zugesprochen.",
        topics=["Zwangsprostitution", "Einziehung"], tags=["Adhäsionsverfahren"],
        outcome_amount="48.000 €",
    ),
    _case(
        "lg-berlin-2008", "LG Berlin", "2008-11-12", "(522) 68 Js 412/07 KLs (12/08)",
        "urteil", [STRAF], ["§ 232 StGB", "§ 181a StGB"], "conviction",
        "Menschenhandel zum Zweck der sexuellen Ausbeutung (alte Fassung)",
        "Der Angeklagte M. hatte zwei junge Frauen unter dem Vorwand einer Stelle in der "
        "Gastronomie nach Berlin gebracht und in Wohnungsbordellen eingesetzt. Die Kammer "
        "verurteilte ihn nach § 232 StGB a. F. in Tateinheit mit Zuhälterei zu vier Jahren "
        "Freiheitsstrafe; strafschärfend wirkte die planmäßige Täuschung über die Tätigkeit.",
        topics=["Zwangsprostitution", "Anwerbung durch Täuschung"], tags=["alte Rechtslage"],
    ),
    _case(
        "bgh-2010-4str", "BGH", "2010-09-08", "4 StR 281/10", "beschluss", [STRAF],
        ["§ 232 StGB", "§ 233a StGB"], "conviction",
        "Zur Abgrenzung von Menschenhandel und Förderung des Menschenhandels",
        "Der Senat verwarf die Revision des Angeklagten B. als unbegründet. Wer Betroffene "
        "lediglich befördert und unterbringt, ohne selbst auf sie einzuwirken, kann sich wegen "
        "Förderung des Menschenhandels (§ 233a StGB a. F.) strafbar machen; die Abgrenzung "
        "richte sich nach dem Tatbeitrag zur Ausbeutung.",
        topics=["Beihilfe", "Transport"], tags=["alte Rechtslage"],
    ),
    _case(
        "ag-tiergarten-2013", "AG Tiergarten", "2013-04-23", "(262 Ls) 3012 Js 455/12 (21/12)",
        "urteil", [STRAF], ["§ 233 StGB", "§ 266a StGB"], "conviction",
        "Ausbeutung der Arbeitskraft in einem Restaurantbetrieb",
        "Der Angeklagte T. beschäftigte drei Köche aus Vietnam ohne Lohn bei täglichen "
        "Arbeitszeiten von vierzehn Stunden und behielt ihre Pässe ein. Das Schöffengericht "
        "verurteilte ihn wegen Menschenhandels zum Zweck der Ausbeutung der Arbeitskraft und "
        "Vorenthaltens von Sozialversicherungsbeiträgen zu einer Bewährungsstrafe.",
        topics=["Arbeitsausbeutung", "Gastronomie"], tags=["Passentzug"],
    ),
    _case(
        "lg-muenchen-2020", "LG München I", "2020-10-29", "12 KLs 125 Js 3321/19",
        "urteil", [STRAF], ["§ 232b StGB", "§ 233 StGB", "§ 232 StGB"], "conviction",
        "Zwangsarbeit und Arbeitsausbeutung auf Baustellen",
        "Die Kammer verurteilte die Angeklagten S. und P. wegen Zwangsarbeit (§ 232b StGB) "
        "und Ausbeutung der Arbeitskraft (§ 233 StGB). Die Arbeiter aus Osteuropa wurden mit "
        "angeblichen Vermittlungsschulden und Drohungen gegen Angehörige zur Arbeit angehalten; "
        "ihr Stundenlohn lag unter zwei Euro.",
        topics=["Arbeitsausbeutung", "Baugewerbe", "Schuldknechtschaft"], tags=["Zwangsarbeit"],
        links=[("related", "paper-arbeitsausbeutung-2021")],
    ),
    _case(
        "bgh-2021-3str", "BGH", "2021-06-17", "3 StR 48/21", "beschluss", [STRAF],
        ["§ 232b StGB", "§ 233 StGB"], "conviction",
        "BGH bestätigt Verurteilung wegen Zwangsarbeit",
        "Der 3. Strafsenat verwarf die Revisionen der Angeklagten S. und P. Das Landgericht "
        "habe rechtsfehlerfrei angenommen, dass die Drohung mit der Meldung an die "
        "Ausländerbehörde eine Zwangslage ausnutzt; auf ein ausdrückliches Festhalten komme es "
        "nicht an.",
        topics=["Arbeitsausbeutung", "Revision"], tags=["Zwangsarbeit"],
        published_on="2021-08-02",
    ),
    _case(
        "olg-frankfurt-2019", "OLG Frankfurt am Main", "2019-08-05", "2 Ws 41/19",
        "beschluss", [STRAF], ["§ 397a StPO", "§ 395 StPO", "§ 232a StGB"],
        "joint_plaintiff_admitted",
        "Beiordnung einer Opferanwältin im Verfahren wegen Zwangsprostitution",
        "Auf die Beschwerde der Nebenklägerin Frau R. ordnete der Senat ihr eine Rechtsanwältin "
        "als Beistand bei. Bei Taten nach § 232a StGB bestehe ein Anspruch nach § 397a Abs. 1 "
        "StPO ohne Prüfung der wirtschaftlichen Verhältnisse.",
        topics=["Nebenklage", "Opferrechte"], tags=["Opferanwältin"],
        links=[("related", "training-nebenklage")],
    ),
    _case(
        "olg-hamm-2016", "OLG Hamm", "2016-02-18", "3 Ws 22/16", "beschluss", [STRAF],
        ["§ 397a StPO", "§ 395 StPO", "§ 233 StGB"], "joint_plaintiff_refused",
        "Keine Beiordnung bei Ausbeutung der Arbeitskraft nach altem Recht",
        "Der Senat lehnte die Beiordnung eines Beistands für den Nebenkläger Herrn V. ab. § 233 "
        "StGB a. F. sei im Katalog des § 397a Abs. 1 StPO nicht genannt; Prozesskostenhilfe "
        "nach § 397a Abs. 2 StPO komme bei fehlender Bedürftigkeitsdarlegung nicht in Betracht.",
        topics=["Nebenklage", "Arbeitsausbeutung"], tags=["Prozesskostenhilfe"],
    ),
    _case(
        "lg-duisburg-2023", "LG Duisburg", "2023-05-10", "35 KLs 7/22", "urteil", [STRAF],
        ["§ 232a StGB", "§ 232 StGB", "§ 182 StGB"], "conviction",
        "Zwangsprostitution einer Minderjährigen über Online-Plattformen",
        "Der Angeklagte H. hatte die 16-jährige Geschädigte über eine Loverboy-Masche an sich "
        "gebunden und sie über Anzeigenportale Freiern angeboten. Die Jugendkammer verurteilte "
        "ihn zu fünf Jahren und sechs Monaten; die Vernehmung der Geschädigten erfolgte per "
        "Videoübertragung.",
        topics=["Minderjährige Betroffene", "Loverboy-Methode", "Zwangsprostitution"],
        tags=["Videovernehmung"], visibility="organisation", organisation="solidar-leipzig",
    ),
    _case(
        "lg-leipzig-2024", "LG Leipzig", "2024-09-18", "1 KLs 201 Js 8812/23", "urteil",
        [STRAF], ["§ 232a StGB", "§ 233a StGB"], "conviction",
        "Ausbeutung unter Ausnutzung einer Freiheitsberaubung",
        "Die Kammer verurteilte die Angeklagte N. wegen Zwangsprostitution und Ausbeutung unter "
        "Ausnutzung einer Freiheitsberaubung (§ 233a StGB). Die Betroffene war in einer Wohnung "
        "eingeschlossen worden; Schlüssel und Telefon verwahrte die Angeklagte.",
        topics=["Zwangsprostitution", "Freiheitsberaubung"], tags=["Entwurf"],
        status="draft", organisation="solidar-leipzig", visibility="organisation",
    ),
    _case(
        "bgh-2024-6str", "BGH", "2024-02-28", "6 StR 389/23", "beschluss", [STRAF],
        ["§ 232 StGB", "§ 232a StGB"], "other",
        "Zur Konkurrenz von Menschenhandel und Zwangsprostitution",
        "Der 6. Strafsenat änderte den Schuldspruch: Menschenhandel nach § 232 StGB tritt "
        "hinter die vollendete Zwangsprostitution derselben Person zurück, wenn die "
        "Anwerbung unmittelbar der späteren Ausbeutung diente.",
        topics=["Konkurrenzen"], tags=["Schuldspruchänderung"],
    ),
    # --- Aufenthaltsrecht -------------------------------------------------------------------
    _case(
        "vg-berlin-2018", "VG Berlin", "2018-04-11", "VG 15 K 412.17 V", "urteil",
        [AUFENTHALT], ["§ 25 Abs. 4a AufenthG", "§ 59 Abs. 7 AufenthG"], "residence_refused",
        "Aufenthaltserlaubnis für Betroffene versagt: Aussage nicht mehr erforderlich",
        "Die Kammer wies die Klage von Frau O. auf Verlängerung der Aufenthaltserlaubnis ab. "
        "Nach rechtskräftigem Abschluss des Strafverfahrens sei ihre Anwesenheit nicht mehr "
        "für sachgerecht erachtet worden; persönliche Gründe prüfte die Kammer nicht.",
        topics=["Aufenthaltserlaubnis", "Strafverfahren"], tags=["Verlängerung"],
        links=[("instance", "case-ovg-bb-2019")],
    ),
    _case(
        "ovg-bb-2019", "OVG Berlin-Brandenburg", "2019-07-03", "OVG 3 B 12.18", "urteil",
        [AUFENTHALT], ["§ 25 Abs. 4a AufenthG", "§ 25 Abs. 4 AufenthG", "Art. 4 EMRK"],
        "residence_granted",
        "OVG: Verlängerung nach § 25 Abs. 4a Satz 3 AufenthG aus persönlichen Gründen",
        "Das OVG änderte das Urteil des Verwaltungsgerichts und verpflichtete die Behörde zur "
        "Verlängerung. Nach Abschluss des Strafverfahrens sei die Verlängerung aus humanitären "
        "oder persönlichen Gründen zu prüfen; eine andauernde Traumatherapie und die Gefahr "
        "erneuter Ausbeutung im Herkunftsland sprächen dafür.",
        topics=["Aufenthaltserlaubnis", "Humanitäre Gründe"], tags=["Traumatherapie"],
        links=[("related", "paper-aufenthalt-2019")],
    ),
    _case(
        "vg-stuttgart-2012", "VG Stuttgart", "2012-03-22", "11 K 3821/11", "beschluss",
        [AUFENTHALT], ["§ 59 Abs. 7 AufenthG", "§ 50 AufenthG"], "residence_granted",
        "Bedenkfrist vor Abschiebung einer mutmaßlich Betroffenen",
        "Im Eilverfahren untersagte die Kammer die Abschiebung von Frau L., weil die "
        "Ausländerbehörde trotz konkreter Anhaltspunkte für Menschenhandel keine Ausreisefrist "
        "von mindestens drei Monaten nach § 59 Abs. 7 AufenthG gesetzt hatte.",
        topics=["Bedenkfrist", "Abschiebung"], tags=["Eilverfahren"],
        links=[("related", "training-bedenkfrist")],
    ),
    _case(
        "bayvgh-2015", "BayVGH", "2015-11-30", "10 CE 15.2212", "beschluss", [AUFENTHALT],
        ["§ 25 Abs. 4a AufenthG", "§ 60a AufenthG"], "residence_refused",
        "Keine Duldung ohne Erklärung der Staatsanwaltschaft",
        "Der Senat wies die Beschwerde zurück. Ohne Erklärung der Staatsanwaltschaft, dass die "
        "Anwesenheit des Antragstellers für das Strafverfahren sachgerecht ist, bestehe kein "
        "Anspruch auf Duldung; die Behörde müsse aber auf Anfrage die Staatsanwaltschaft "
        "beteiligen.",
        topics=["Duldung", "Staatsanwaltschaft"], tags=[],
    ),
    _case(
        "vg-hamburg-2014", "VG Hamburg", "2014-09-09", "15 K 1284/13", "urteil", [AUFENTHALT],
        ["§ 25 Abs. 4b AufenthG", "§ 233 StGB"], "residence_granted",
        "Aufenthaltserlaubnis für Opfer illegaler Beschäftigung",
        "Die Kammer verpflichtete die Beklagte zur Erteilung einer Aufenthaltserlaubnis nach "
        "§ 25 Abs. 4b AufenthG an den Kläger Herrn J., der im Verfahren gegen seinen früheren "
        "Arbeitgeber aussagen sollte; sein Lohnanspruch sei ohne Aufenthalt praktisch nicht "
        "durchsetzbar.",
        topics=["Aufenthaltserlaubnis", "Arbeitsausbeutung"], tags=["illegale Beschäftigung"],
    ),
    _case(
        "bverwg-2022", "BVerwG", "2022-12-08", "1 C 31.21", "urteil", [AUFENTHALT, EUROPA],
        ["§ 25 Abs. 4a AufenthG", "Art. 4 EMRK"], "residence_granted",
        "Aufenthalt für Betroffene unabhängig vom Verfahrensausgang",
        "Das Bundesverwaltungsgericht stellte klar, dass eine Einstellung des Verfahrens nach "
        "§ 170 Abs. 2 StPO die Verlängerung nach § 25 Abs. 4a Satz 3 AufenthG nicht "
        "ausschließt. Die Schutzpflichten aus Art. 4 EMRK seien bei der Ermessensausübung zu "
        "berücksichtigen.",
        topics=["Aufenthaltserlaubnis", "Menschenrechte"], tags=["Grundsatzentscheidung"],
    ),
    _case(
        "vg-muenchen-2025", "VG München", "2025-01-15", "M 24 K 23.4410", "urteil",
        [AUFENTHALT], ["§ 25 Abs. 4a AufenthG", "§ 59 Abs. 7 AufenthG"], "residence_granted",
        "Erteilung trotz fehlender Mitwirkung bei der Passbeschaffung",
        "Die Kammer verpflichtete den Beklagten zur Erteilung. Die Betroffene Frau Y. habe "
        "nachvollziehbar dargelegt, dass eine Vorsprache bei der Botschaft sie gefährdet hätte; "
        "die Passpflicht sei insoweit unzumutbar.",
        topics=["Aufenthaltserlaubnis", "Passpflicht"], tags=[],
        visibility="office",
    ),
    # --- Arbeitsrecht -----------------------------------------------------------------------
    _case(
        "arbg-dortmund-2016", "ArbG Dortmund", "2016-05-12", "6 Ca 4411/15", "urteil",
        [ARBEIT], ["§ 1 MiLoG", "§ 611a BGB", "§ 2 ArbGG"], "wages_refused",
        "Lohnklage eines Fleischzerlegers an Ausschlussfrist gescheitert",
        "Die Kammer wies die Klage von Herrn G. auf Lohnnachzahlung ab. Er habe die "
        "arbeitsvertragliche Ausschlussfrist von drei Monaten versäumt; der Hinweis auf die "
        "fehlende Übersetzung des Vertrags genüge nicht.",
        topics=["Lohnrückforderung", "Fleischindustrie"], tags=["Ausschlussfrist"],
        links=[("instance", "case-lag-hamm-2017")],
    ),
    _case(
        "lag-hamm-2017", "LAG Hamm", "2017-03-09", "18 Sa 912/16", "urteil", [ARBEIT],
        ["§ 1 MiLoG", "§ 3 MiLoG", "§ 611a BGB"], "wages_awarded",
        "LAG: Ausschlussfrist erfasst den Mindestlohn nicht",
        "Auf die Berufung änderte das Landesarbeitsgericht das Urteil und sprach Herrn G. "
        "9.870 € brutto zu. Eine Ausschlussklausel, die den gesetzlichen Mindestlohn nicht "
        "ausnimmt, sei nach § 3 MiLoG insoweit unwirksam.",
        topics=["Lohnrückforderung", "Mindestlohn"], tags=["Ausschlussfrist"],
        outcome_amount="9.870 €", links=[("instance", "case-bag-2018")],
    ),
    _case(
        "bag-2018", "BAG", "2018-09-18", "9 AZR 162/18", "urteil", [ARBEIT],
        ["§ 3 MiLoG", "§ 1 MiLoG"], "wages_awarded",
        "BAG bestätigt: Ausschlussfristen ohne Mindestlohn-Ausnahme unwirksam",
        "Der Senat wies die Revision der Arbeitgeberin zurück. Eine nach dem 31.12.2014 "
        "vereinbarte Ausschlussklausel, die den Mindestlohn nicht ausnimmt, sei insgesamt "
        "intransparent und unwirksam.",
        topics=["Mindestlohn", "Lohnrückforderung"], tags=["Grundsatzentscheidung"],
    ),
    _case(
        "arbg-berlin-2011", "ArbG Berlin", "2011-06-30", "56 Ca 1812/11", "urteil", [ARBEIT],
        ["§ 612 BGB", "§ 138 BGB", "§ 2 ArbGG"], "wages_awarded",
        "Sittenwidriger Lohn einer Haushaltshilfe im Diplomatenhaushalt",
        "Die Kammer sprach der Klägerin Frau W. die übliche Vergütung nach § 612 Abs. 2 BGB zu. "
        "Ein Monatslohn von 150 € bei ständiger Verfügbarkeit sei sittenwidrig; die Immunität "
        "des früheren Arbeitgebers stehe nach Ende seiner Tätigkeit nicht entgegen.",
        topics=["Hausangestellte", "Lohnrückforderung"], tags=["Lohnwucher"],
        outcome_amount="34.500 €",
    ),
    _case(
        "lag-bb-2021", "LAG Berlin-Brandenburg", "2021-10-14", "5 Sa 611/21", "urteil",
        [ARBEIT], ["§ 1 MiLoG", "§ 20 MiLoG", "§ 14 AEntG"], "wages_awarded",
        "Haftung des Generalunternehmers für den Mindestlohn",
        "Die Kammer verurteilte die beklagte Generalunternehmerin als Bürgin nach § 13 MiLoG "
        "i. V. m. § 14 AEntG zur Zahlung des Mindestlohns an drei Trockenbauer, deren "
        "Subunternehmer nicht mehr greifbar war.",
        topics=["Generalunternehmerhaftung", "Baugewerbe"], tags=["Subunternehmer"],
        organisation="faire-arbeit-rhein-ruhr",
    ),
    _case(
        "arbg-koeln-2022", "ArbG Köln", "2022-04-07", "19 Ca 5123/21", "urteil", [ARBEIT],
        ["§ 1 MiLoG", "§ 2 ArbGG", "§ 611a BGB"], "wages_refused",
        "Saisonarbeit: Beweislast für geleistete Überstunden",
        "Die Kammer wies die Klage eines Erntehelfers überwiegend ab. Er habe die behaupteten "
        "Arbeitszeiten nicht hinreichend dargelegt; eigene Notizen ohne Datum genügten nicht. "
        "Beratungsstellen sollten zu zeitnaher Dokumentation anhalten.",
        topics=["Saisonarbeit", "Arbeitszeit"], tags=["Darlegungslast"],
        links=[("related", "training-arbeitszeit")],
    ),
    _case(
        "bag-2024", "BAG", "2024-05-22", "5 AZR 214/23", "urteil", [ARBEIT],
        ["§ 1 MiLoG", "§ 17 MiLoG", "§ 611a BGB"], "wages_awarded",
        "Abgestufte Darlegungslast bei fehlender Arbeitszeiterfassung",
        "Der Senat hob das Berufungsurteil auf. Verletzt der Arbeitgeber seine "
        "Aufzeichnungspflicht nach § 17 MiLoG, genügt der Arbeitnehmer seiner Darlegungslast "
        "bereits mit plausiblen eigenen Angaben.",
        topics=["Arbeitszeit", "Mindestlohn"], tags=["Darlegungslast"],
    ),
    _case(
        "arbg-muenchen-2009", "ArbG München", "2009-12-03", "21 Ca 11245/09", "vergleich",
        [ARBEIT], ["§ 612 BGB", "§ 2 ArbGG"], "wages_awarded",
        "Vergleich über ausstehenden Lohn einer Au-pair-Beschäftigten",
        "Im Gütetermin verpflichtete sich die beklagte Familie zur Zahlung von 6.000 € an "
        "Frau C., die über ein Jahr als Vollzeit-Haushaltshilfe eingesetzt worden war.",
        topics=["Au-pair", "Hausangestellte"], tags=["Vergleich"], outcome_amount="6.000 €",
        visibility="organisation", organisation="lichtblick-muenchen",
    ),
    # --- Sozialrecht und Opferentschädigung -------------------------------------------------
    _case(
        "sg-hamburg-2015", "SG Hamburg", "2015-08-26", "S 43 VG 88/13", "gerichtsbescheid",
        [OEG], ["§ 1 OEG", "§ 2 OEG"], "compensation_refused",
        "OEG-Leistungen wegen fehlender Mitwirkung versagt",
        "Die Kammer wies die Klage von Frau A. ab. Sie habe die Täter nicht benannt und damit "
        "an der Aufklärung nicht mitgewirkt (§ 2 Abs. 2 OEG); ihre Angst vor Repressalien "
        "rechtfertige das nicht.",
        topics=["Opferentschädigung", "Mitwirkung"], tags=[],
        links=[("instance", "case-lsg-hamburg-2017")],
    ),
    _case(
        "lsg-hamburg-2017", "LSG Hamburg", "2017-11-21", "L 3 VE 12/15", "urteil",
        [OEG, SOZIAL], ["§ 1 OEG", "§ 2 OEG", "Art. 4 EMRK"], "compensation_awarded",
        "Begründete Angst vor Tätern schließt Versagung nach § 2 Abs. 2 OEG aus",
        "Das LSG hob den Gerichtsbescheid auf. Wer aus nachvollziehbarer Furcht vor den Tätern "
        "deren Namen nicht nennt, verletzt seine Mitwirkungsobliegenheit nicht; die Klägerin "
        "Frau A. erhält Versorgung wegen einer posttraumatischen Belastungsstörung.",
        topics=["Opferentschädigung", "Trauma"], tags=["PTBS"],
        links=[("related", "paper-oeg-2020")],
    ),
    _case(
        "lsg-nrw-2012", "LSG Nordrhein-Westfalen", "2012-05-15", "L 10 VG 31/10", "urteil",
        [OEG], ["§ 1 OEG"], "compensation_awarded",
        "Psychische Gewalt als tätlicher Angriff bei jahrelanger Zwangsprostitution",
        "Der Senat erkannte die fortgesetzte Bedrohung und Einsperrung als tätlichen Angriff "
        "im Sinne von § 1 OEG an, weil sie mit körperlicher Gewalt verbunden war.",
        topics=["Opferentschädigung", "Zwangsprostitution"], tags=["tätlicher Angriff"],
    ),
    _case(
        "bsg-2019", "BSG", "2019-12-16", "B 9 V 3/18 R", "urteil", [OEG],
        ["§ 1 OEG"], "compensation_refused",
        "Keine Entschädigung für rein psychische Einwirkungen",
        "Der Senat bekräftigte, dass ein tätlicher Angriff grundsätzlich eine "
        "gewaltsame, körperliche Einwirkung voraussetzt; Drohungen allein genügen nach dem OEG "
        "nicht. Das neue SGB XIV erfasst dagegen auch psychische Gewalttaten.",
        topics=["Opferentschädigung"], tags=["tätlicher Angriff", "Rechtsänderung"],
    ),
    _case(
        "sg-berlin-2025", "SG Berlin", "2025-03-12", "S 181 SB 44/24", "urteil",
        [OEG, SOZIAL], ["§ 13 SGB XIV", "§ 14 SGB XIV"], "compensation_awarded",
        "SGB XIV: Menschenhandel als psychische Gewalttat",
        "Die Kammer sprach der Klägerin Frau F. Leistungen der Sozialen Entschädigung zu. Die "
        "Ausbeutung unter ständiger Drohung sei eine psychische Gewalttat im Sinne von § 14 "
        "SGB XIV; die Schnellen Hilfen (Traumaambulanz) seien zu gewähren.",
        topics=["Soziale Entschädigung", "Trauma"], tags=["SGB XIV", "Traumaambulanz"],
    ),
    _case(
        "lsg-bayern-2021", "Bayerisches LSG", "2021-02-23", "L 15 VG 9/19", "urteil",
        [OEG], ["§ 1 OEG", "§ 10 OEG"], "compensation_awarded",
        "OEG-Leistungen für Ausländerin trotz kurzen Aufenthalts",
        "Der Senat sprach der Klägerin Leistungen nach § 1 Abs. 5 OEG zu. Ihr Aufenthalt sei "
        "zwar nur geduldet gewesen, die Tat aber in Deutschland begangen worden.",
        topics=["Opferentschädigung", "Aufenthaltsstatus"], tags=[],
        organisation="lichtblick-muenchen",
    ),
    _case(
        "sg-leipzig-2020", "SG Leipzig", "2020-06-04", "S 22 AY 17/20 ER", "beschluss",
        [SOZIAL], ["§ 1 AsylbLG", "§ 25 Abs. 4a AufenthG"], "benefits_granted",
        "Eilrechtsschutz: Leistungen für Betroffene mit Aufenthaltserlaubnis",
        "Die Kammer verpflichtete das Jobcenter vorläufig zu Leistungen nach dem SGB II. Inhaber "
        "einer Aufenthaltserlaubnis nach § 25 Abs. 4a AufenthG seien nicht nach dem AsylbLG "
        "leistungsberechtigt.",
        topics=["Existenzsicherung", "Eilverfahren"], tags=["Jobcenter"],
    ),
    _case(
        "lsg-nds-2018", "LSG Niedersachsen-Bremen", "2018-10-30", "L 8 SO 201/18 B ER",
        "beschluss", [SOZIAL], ["§ 23 SGB XII", "§ 7 SGB II"], "benefits_refused",
        "Unionsbürgerin: Leistungsausschluss nach Ausbeutung in der Pflege",
        "Der Senat lehnte Leistungen für die rumänische Antragstellerin ab, die als "
        "24-Stunden-Pflegekraft ausgebeutet worden war. Sie sei nicht Arbeitnehmerin gewesen; "
        "Überbrückungsleistungen nach § 23 Abs. 3 SGB XII seien aber zu prüfen.",
        topics=["Unionsbürger", "Pflege"], tags=["Leistungsausschluss"],
    ),
    # --- Zivilrecht und Verfassungsrecht ----------------------------------------------------
    _case(
        "lg-koeln-2014", "LG Köln", "2014-07-01", "5 O 412/13", "urteil", [ZIVIL],
        ["§ 823 BGB", "§ 253 BGB", "§ 232 StGB"], "compensation_awarded",
        "Schmerzensgeld gegen Menschenhändler nach Strafurteil",
        "Die Kammer verurteilte den Beklagten zu 25.000 € Schmerzensgeld an die Klägerin "
        "Frau E. Die Feststellungen des Strafurteils konnten im Wege des Urkundsbeweises "
        "verwertet werden.",
        topics=["Schmerzensgeld", "Zivilklage"], tags=[], outcome_amount="25.000 €",
    ),
    _case(
        "olg-celle-2022", "OLG Celle", "2022-09-13", "9 U 44/22", "urteil", [ZIVIL],
        ["§ 823 BGB", "§ 826 BGB", "§ 199 BGB"], "compensation_refused",
        "Schadensersatzanspruch verjährt: Kenntnis schon mit Anzeige",
        "Der Senat wies die Berufung des Klägers zurück. Die Verjährungsfrist habe mit der "
        "Strafanzeige begonnen, da ihm die anspruchsbegründenden Umstände bekannt waren; der "
        "Ausgang des Strafverfahrens sei nicht abzuwarten gewesen.",
        topics=["Verjährung", "Zivilklage"], tags=[],
    ),
    _case(
        "bverfg-2006", "BVerfG", "2006-06-28", "2 BvR 1012/06", "beschluss",
        [VERFASSUNG, STRAF], ["Art. 2 GG", "§ 395 StPO"], "other",
        "Nichtannahme einer Verfassungsbeschwerde zur Zeugenbetreuung",
        "Die Kammer nahm die Verfassungsbeschwerde einer Zeugin gegen die Ablehnung einer "
        "psychosozialen Begleitung nicht zur Entscheidung an, wies aber auf die Schutzpflicht "
        "des Staates gegenüber gefährdeten Opferzeuginnen hin.",
        topics=["Opferrechte", "Zeugenschutz"], tags=["Nichtannahme"],
    ),
    _case(
        "olg-muenchen-2005", "OLG München", "2005-10-19", "4 St RR 181/05", "beschluss",
        [STRAF], ["§ 180b StGB", "§ 181 StGB"], "conviction",
        "Menschenhandel nach §§ 180b, 181 StGB a. F.",
        "Der Senat verwarf die Revision des Angeklagten Z. Die Anwerbung unter Ausnutzung der "
        "Zwangslage einer Frau aus der Ukraine erfülle den Tatbestand des schweren "
        "Menschenhandels nach § 181 StGB in der bis Februar 2005 geltenden Fassung.",
        topics=["Zwangsprostitution"], tags=["alte Rechtslage"],
    ),
]

# fmt: on

TRAINING = [
    dict(
        ext="nebenklage",
        title="Nebenklage und Opferanwältin: Rechte Betroffener im Strafverfahren",
        summary="Handreichung zu Nebenklage, Beiordnung nach § 397a StPO, psychosozialer "
        "Prozessbegleitung und Adhäsionsverfahren.",
        audience="Fachberaterinnen und Fachberater",
        format="handout",
        event_name="Fachtag Opferrechte",
        event_date="2023-03-15",
        duration_minutes=90,
        topics=["Nebenklage", "Opferrechte"],
    ),
    dict(
        ext="bedenkfrist",
        title="Bedenk- und Stabilisierungsfrist nach § 59 Abs. 7 AufenthG",
        summary="Ablauf, Fristberechnung und Musterschreiben an die Ausländerbehörde.",
        audience="Beratungsstellen, Ausländerbehörden",
        format="slides",
        event_name="Online-Seminar Aufenthaltsrecht",
        event_date="2022-10-06",
        duration_minutes=120,
        topics=["Bedenkfrist", "Aufenthaltserlaubnis"],
    ),
    dict(
        ext="arbeitszeit",
        title="Arbeitszeiten dokumentieren: Checkliste für Betroffene von Arbeitsausbeutung",
        summary="Wie Betroffene Arbeitszeiten, Lohnzahlungen und Unterkünfte beweissicher "
        "festhalten; mit Vorlage für einen Arbeitszeitkalender.",
        audience="Beratende in der Arbeitsausbeutung",
        format="handout",
        topics=["Arbeitszeit", "Lohnrückforderung"],
        organisation="faire-arbeit-rhein-ruhr",
    ),
    dict(
        ext="erstgespraech",
        title="Das Erstgespräch: Indikatoren für Menschenhandel erkennen",
        summary="Gesprächsleitfaden, Indikatorenliste und Hinweise zum Einsatz von Sprachmittlung.",
        audience="Neue Mitarbeitende in Fachberatungsstellen",
        format="workshop",
        event_name="Einarbeitungsmodul 1",
        event_date="2024-01-24",
        duration_minutes=180,
        topics=["Identifizierung", "Erstberatung"],
    ),
    dict(
        ext="oeg-antrag",
        title="Anträge nach dem SGB XIV begleiten",
        summary="Schnelle Hilfen, Traumaambulanz, Fristen und typische Ablehnungsgründe in der "
        "Sozialen Entschädigung seit 2024.",
        audience="Fachberatung, Traumaberatung",
        format="slides",
        event_name="KOK-Fortbildung Soziale Entschädigung",
        event_date="2024-06-12",
        duration_minutes=150,
        topics=["Soziale Entschädigung"],
    ),
    dict(
        ext="minderjaehrige",
        title="Minderjährige Betroffene: Zusammenarbeit mit dem Jugendamt",
        summary="Inobhutnahme, Vormundschaft und Schutzkonzepte bei minderjährigen "
        "Betroffenen von Menschenhandel.",
        audience="Fachberatung, Jugendhilfe",
        format="workshop",
        event_date="2021-11-09",
        duration_minutes=240,
        topics=["Minderjährige Betroffene", "Kinderschutz"],
        organisation="solidar-leipzig",
    ),
    dict(
        ext="video-loverboy",
        title="Video: Die Loverboy-Methode erklärt",
        summary="Kurzfilm mit Gesprächsimpulsen für Präventionsveranstaltungen an Schulen.",
        audience="Schulsozialarbeit, Präventionsfachkräfte",
        format="video",
        duration_minutes=12,
        topics=["Prävention", "Loverboy-Methode"],
        source="https://video.kok-demo.example/loverboy",
    ),
    dict(
        ext="polizei-kooperation",
        title="Kooperationskonzept Fachberatung und Polizei",
        summary="Muster einer Kooperationsvereinbarung mit Ansprechpersonen, "
        "Informationswegen und Datenschutzregeln.",
        audience="Leitungen von Beratungsstellen",
        format="other",
        topics=["Kooperation", "Polizei"],
        visibility="office",
    ),
    dict(
        ext="lohnklage",
        title="Lohnklage vor dem Arbeitsgericht: Schritt für Schritt",
        summary="Von der Geltendmachung über die Güteverhandlung bis zur Vollstreckung.",
        audience="Beratende, Ehrenamtliche",
        format="slides",
        event_name="Werkstattgespräch Arbeitsrecht",
        event_date="2019-05-08",
        duration_minutes=90,
        topics=["Lohnrückforderung", "Arbeitsgericht"],
    ),
    dict(
        ext="sprachmittlung",
        title="Arbeiten mit Sprachmittlerinnen in der Beratung",
        summary="Rollenklärung, Schweigepflicht und Selbstfürsorge.",
        audience="Fachberatung",
        format="handout",
        topics=["Sprachmittlung"],
        status="draft",
        organisation="anker-hamburg",
        visibility="organisation",
    ),
    dict(
        ext="datenschutz",
        title="Datenschutz in der Fallarbeit",
        summary="Aktenführung, Löschfristen und Auskunftsersuchen von Behörden.",
        audience="Alle Mitarbeitenden",
        format="slides",
        event_date="2020-02-19",
        duration_minutes=60,
        topics=["Datenschutz"],
    ),
    dict(
        ext="zeugenbegleitung",
        title="Psychosoziale Prozessbegleitung vorbereiten",
        summary="Ablauf einer Hauptverhandlung aus Sicht der Zeugin, mit Übungen zur Vorbereitung.",
        audience="Prozessbegleiterinnen",
        format="workshop",
        event_name="Fachtag Prozessbegleitung",
        event_date="2018-09-27",
        duration_minutes=300,
        topics=["Prozessbegleitung", "Opferrechte"],
        organisation="anker-hamburg",
    ),
]

PAPERS = [
    dict(
        ext="arbeitsausbeutung-2021",
        title="Stellungnahme zur Evaluierung der §§ 232 bis 233a StGB",
        summary="Die Tatbestände zur Arbeitsausbeutung werden kaum angewendet; der KOK "
        "empfiehlt eine Vereinfachung und spezialisierte Schwerpunktstaatsanwaltschaften.",
        addressee="Bundesministerium der Justiz",
        occasion="Evaluierung des Gesetzes zur Verbesserung der Bekämpfung des Menschenhandels",
        published_on="2021-09-30",
        topics=["Arbeitsausbeutung", "Strafrecht"],
    ),
    dict(
        ext="aufenthalt-2019",
        title="Aufenthaltsrecht für Betroffene unabhängig von der Aussagebereitschaft",
        summary="Forderung nach einem Aufenthaltstitel, der nicht an die Kooperation im "
        "Strafverfahren gebunden ist (Art. 14 Europaratskonvention).",
        addressee="Innenausschuss des Deutschen Bundestages",
        published_on="2019-11-18",
        topics=["Aufenthaltserlaubnis"],
    ),
    dict(
        ext="oeg-2020",
        title="Stellungnahme zum Entwurf eines SGB XIV",
        summary="Der KOK begrüßt die Einbeziehung psychischer Gewalt und fordert den "
        "ausdrücklichen Einschluss von Menschenhandel.",
        addressee="Bundesministerium für Arbeit und Soziales",
        published_on="2020-02-14",
        topics=["Soziale Entschädigung"],
    ),
    dict(
        ext="prostschg-2024",
        title="Evaluation des Prostituiertenschutzgesetzes",
        summary="Erfahrungen der Fachberatungsstellen mit Anmeldepflicht und Gesundheitsberatung.",
        addressee="Bundesministerium für Familie, Senioren, Frauen und Jugend",
        published_on="2024-07-01",
        topics=["Prostituiertenschutzgesetz"],
    ),
    dict(
        ext="nationaler-aktionsplan",
        title="Eckpunkte für einen Nationalen Aktionsplan gegen Menschenhandel",
        summary="Koordinierung, Datenerhebung, Finanzierung der Fachberatung und Schutz "
        "minderjähriger Betroffener.",
        addressee="Bundesregierung",
        published_on="2023-04-20",
        topics=["Aktionsplan", "Koordinierung"],
    ),
    dict(
        ext="lieferketten",
        title="Menschenhandel in Lieferketten: Anforderungen an Unternehmen",
        summary="Hinweise zur Umsetzung des Lieferkettensorgfaltspflichtengesetzes aus Sicht "
        "der Beratungspraxis.",
        addressee="Unternehmensverbände",
        published_on="2022-06-09",
        topics=["Lieferketten", "Arbeitsausbeutung"],
        organisation="faire-arbeit-rhein-ruhr",
    ),
    dict(
        ext="finanzierung",
        title="Auskömmliche Finanzierung der Fachberatungsstellen",
        summary="Bestandsaufnahme der Landesförderung und Forderung nach Regelfinanzierung.",
        addressee="Konferenz der Gleichstellungsministerinnen",
        published_on="2018-06-05",
        topics=["Finanzierung"],
        visibility="office",
    ),
    dict(
        ext="ukraine-2022",
        title="Schutz Geflüchteter aus der Ukraine vor Ausbeutung",
        summary="Empfehlungen zu sicheren Unterkünften, Vermittlungsplattformen und "
        "Information in ukrainischer Sprache.",
        addressee="Innenministerkonferenz",
        published_on="2022-03-17",
        topics=["Flucht", "Prävention"],
    ),
    dict(
        ext="grevio-2021",
        title="Beitrag zum Alternativbericht an GRETA",
        summary="Umsetzung der Europaratskonvention gegen Menschenhandel in Deutschland: "
        "Identifizierung, Entschädigung, Datenlage.",
        addressee="GRETA (Europarat)",
        published_on="2021-12-01",
        topics=["Europarat", "Monitoring"],
    ),
    dict(
        ext="saisonarbeit",
        title="Saisonarbeit in der Landwirtschaft: Kontrollen und Beratung",
        summary="Forderungen zu Unterkünften, Krankenversicherung und Arbeitszeiterfassung.",
        addressee="Landwirtschaftsministerien der Länder",
        published_on="2020-07-15",
        topics=["Saisonarbeit"],
        organisation="faire-arbeit-rhein-ruhr",
        visibility="organisation",
    ),
    dict(
        ext="entwurf-strafrecht-2025",
        title="Entwurf: Stellungnahme zur Reform des § 232a StGB",
        summary="Interner Entwurf zur Abstimmung im Netzwerk.",
        addressee="Rechtsausschuss des Deutschen Bundestages",
        topics=["Strafrecht"],
        status="draft",
        visibility="office",
    ),
    dict(
        ext="datenlage-2016",
        title="Bessere Datenlage zu Menschenhandel",
        summary="Vorschläge für ein bundesweites Monitoring unter Einbeziehung der "
        "Fachberatungsstellen.",
        addressee="Bundesministerium des Innern",
        published_on="2016-10-12",
        topics=["Datenlage", "Monitoring"],
        authors=["KOK e.V.", "Netzwerk Fachberatung Süd"],
    ),
]

BODY_TRAINING = (
    "## Ziel\n\nDie Teilnehmenden kennen die rechtlichen Grundlagen und können Betroffene "
    "sicher informieren.\n\n## Ablauf\n\n1. Einführung und Fallbeispiel (fiktiv)\n"
    "2. Rechtliche Grundlagen\n3. Übung in Kleingruppen\n4. Fragen aus der Praxis\n"
)


def records() -> list[dict]:
    """Every demo record, case law first (links may point forwards: the importer allows it)."""
    result = [dict(record) for record in CASE_LAW]
    for item in TRAINING:
        item = dict(item)
        source = item.pop("source", None)
        record = {
            "external_id": f"demo-training-{item.pop('ext')}",
            "type": "training_material",
            "body": BODY_TRAINING + (f"\n[Zum Video]({source})\n" if source else ""),
            "published_on": item.get("event_date") or "2024-05-01",
        }
        record.update(item)
        result.append(record)
    for item in PAPERS:
        item = dict(item)
        record = {
            "external_id": f"demo-paper-{item.pop('ext')}",
            "type": "position_paper",
            "authors": ["KOK e.V."],
            "body": f"## Zusammenfassung\n\n{item['summary']}\n\n## Forderungen\n\n"
            "- Schutz und Rechte Betroffener in den Mittelpunkt stellen\n"
            "- Fachberatungsstellen verlässlich finanzieren\n",
        }
        record.update(item)
        result.append(record)
    return result


def load_demo_resources() -> ImportSummary:
    """Import the demo records (idempotent by external id) and add the demo attachments."""
    sync_courts()
    lines = [json.dumps(record, ensure_ascii=False) for record in records()]
    summary = import_lines(lines)
    _add_attachments()
    return summary


# --- attachments ---------------------------------------------------------------------------

HANDOUT_TXT = """Handreichung: Rechte von Betroffenen im Strafverfahren (Demo)

1. Nebenklage (§ 395 StPO): Betroffene von Taten nach §§ 232 bis 233a StGB können sich dem
   Verfahren als Nebenklägerin oder Nebenkläger anschließen.
2. Opferanwältin (§ 397a StPO): Bei Verbrechen nach §§ 232 bis 232b StGB wird auf Antrag
   kostenfrei ein Beistand bestellt.
3. Psychosoziale Prozessbegleitung (§ 406g StPO): Begleitung vor, während und nach der
   Hauptverhandlung.
4. Adhäsionsverfahren (§§ 403 ff. StPO): Schmerzensgeld schon im Strafverfahren geltend machen.

Alle Fallbeispiele in dieser Handreichung sind erfunden.
"""

CHECKLIST_LINES = [
    "Arbeitsbeginn und Arbeitsende jeden Tag notieren (Datum, Uhrzeit, Ort).",
    "Pausen und Fahrten zwischen Einsatzorten festhalten.",
    "Namen von Vorarbeitern und Kolleginnen notieren, soweit gefahrlos möglich.",
    "Lohnzahlungen mit Datum, Betrag und Art (bar, Überweisung) aufschreiben.",
    "Fotos von Unterkunft, Dienstplänen und Arbeitskleidung sichern.",
    "Belege und Nachrichten nicht löschen, sondern an sicherer Stelle aufbewahren.",
]

PDF_LINES = [
    "KOK-Stellungnahme (Demo): Aufenthaltsrecht für Betroffene",
    "Forderung 1: Aufenthaltstitel unabhängig von der Aussagebereitschaft.",
    "Forderung 2: Bedenkfrist nach § 59 Abs. 7 AufenthG konsequent gewähren.",
    "Forderung 3: Zugang zu Sprachkursen und Arbeitsmarkt ab dem ersten Tag.",
]

ATTACHMENTS = [
    ("demo-training-nebenklage", "Handreichung_Opferrechte.txt", "txt"),
    ("demo-training-arbeitszeit", "Checkliste_Arbeitszeiten.docx", "docx"),
    ("demo-paper-aufenthalt-2019", "Stellungnahme_Aufenthaltsrecht.pdf", "pdf"),
]


def _docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_heading("Checkliste: Arbeitszeiten dokumentieren", level=1)
    document.add_paragraph("Für Betroffene von Arbeitsausbeutung (Demo-Material).")
    for line in CHECKLIST_LINES:
        document.add_paragraph(line, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _attachment_bytes(kind: str) -> bytes:
    if kind == "txt":
        return HANDOUT_TXT.encode("utf-8")
    if kind == "docx":
        return _docx_bytes()
    return text_pdf(PDF_LINES)


def _add_attachments() -> None:
    """Attach the generated files once (by file name), as the demo editor."""
    editor = db.session.scalar(select(User).where(User.email == "redaktion@kok-demo.example"))
    if editor is None:
        return
    for external_id, filename, kind in ATTACHMENTS:
        resource = db.session.scalar(select(Resource).where(Resource.external_id == external_id))
        if resource is None:
            continue
        exists = db.session.scalar(
            select(Attachment.id).where(
                Attachment.resource_id == resource.id, Attachment.filename == filename
            )
        )
        if exists is None:
            add_attachment(resource, editor, _attachment_bytes(kind), filename)
