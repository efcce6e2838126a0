"""Plain words for statuses, reasons and the fixed parts of every message, per locale.

Templates hold what a merchant may reword; these are the pieces around them (greeting,
footer, button, SMS replies, the preferences page) and the customer-facing wording of the
tracking vocabulary, which must read the same in every message.
"""

from __future__ import annotations

from carriers.base import Reason, Status
from portal.notifications.base import DEFAULT_LOCALE, pick_locale

STATUS_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "pending": "Awaiting carrier information",
        "info_received": "Label created",
        "in_transit": "In transit",
        "out_for_delivery": "Out for delivery",
        "failed_attempt": "Delivery attempt failed",
        "available_for_pickup": "Ready for pickup",
        "delivered": "Delivered",
        "exception": "Delivery problem",
        "returned_to_sender": "Returning to sender",
        "expired": "No recent updates",
    },
    "pl": {
        "pending": "Oczekuje na informacje od przewoźnika",
        "info_received": "Etykieta utworzona",
        "in_transit": "W drodze",
        "out_for_delivery": "Wydana do doręczenia",
        "failed_attempt": "Nieudana próba doręczenia",
        "available_for_pickup": "Gotowa do odbioru",
        "delivered": "Doręczona",
        "exception": "Problem z doręczeniem",
        "returned_to_sender": "Zwracana do nadawcy",
        "expired": "Brak aktualnych informacji",
    },
    "ro": {
        "pending": "În așteptarea informațiilor de la curier",
        "info_received": "Etichetă creată",
        "in_transit": "În tranzit",
        "out_for_delivery": "În curs de livrare",
        "failed_attempt": "Încercare de livrare eșuată",
        "available_for_pickup": "Gata de ridicare",
        "delivered": "Livrat",
        "exception": "Problemă la livrare",
        "returned_to_sender": "Se returnează la expeditor",
        "expired": "Fără actualizări recente",
    },
    "ru": {
        "pending": "Ожидаются данные от перевозчика",
        "info_received": "Этикетка создана",
        "in_transit": "В пути",
        "out_for_delivery": "Передано курьеру для доставки",
        "failed_attempt": "Неудачная попытка доставки",
        "available_for_pickup": "Готово к выдаче",
        "delivered": "Доставлено",
        "exception": "Проблема с доставкой",
        "returned_to_sender": "Возвращается отправителю",
        "expired": "Нет свежих данных",
    },
    "el": {
        "pending": "Αναμονή πληροφοριών από τη μεταφορική",
        "info_received": "Δημιουργήθηκε η ετικέτα",
        "in_transit": "Σε μεταφορά",
        "out_for_delivery": "Σε διανομή",
        "failed_attempt": "Ανεπιτυχής προσπάθεια παράδοσης",
        "available_for_pickup": "Έτοιμο για παραλαβή",
        "delivered": "Παραδόθηκε",
        "exception": "Πρόβλημα στην παράδοση",
        "returned_to_sender": "Επιστρέφεται στον αποστολέα",
        "expired": "Χωρίς πρόσφατες ενημερώσεις",
    },
    "uk": {
        "pending": "Очікуємо даних від перевізника",
        "info_received": "Етикетку створено",
        "in_transit": "У дорозі",
        "out_for_delivery": "Передано кур'єру для доставки",
        "failed_attempt": "Невдала спроба доставки",
        "available_for_pickup": "Готова до отримання",
        "delivered": "Доставлено",
        "exception": "Проблема з доставкою",
        "returned_to_sender": "Повертається відправнику",
        "expired": "Немає свіжих даних",
    },
    "bg": {
        "pending": "Очакват се данни от куриера",
        "info_received": "Етикетът е създаден",
        "in_transit": "В транзит",
        "out_for_delivery": "Предадена на куриер за доставка",
        "failed_attempt": "Неуспешен опит за доставка",
        "available_for_pickup": "Готова за получаване",
        "delivered": "Доставена",
        "exception": "Проблем с доставката",
        "returned_to_sender": "Връща се към подателя",
        "expired": "Няма скорошна информация",
    },
}

#: Reasons are whole sentences: they stand on their own in every language.
REASON_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "address_issue": "The carrier could not use the delivery address.",
        "recipient_unavailable": "Nobody was available to receive the parcel.",
        "refused": "The parcel was refused at delivery.",
        "damaged": "The parcel was damaged in transit.",
        "lost": "The carrier cannot locate the parcel.",
        "customs_hold": "The parcel is held at customs.",
        "weather_delay": "Bad weather is delaying the delivery.",
        "carrier_delay": "The carrier is running behind schedule.",
        "held_at_carrier": "The carrier is holding the parcel.",
        "not_collected": "The parcel was not collected before the pickup deadline.",
        "unknown": "The carrier has not said why yet.",
    },
    "pl": {
        "address_issue": "Przewoźnik nie mógł użyć adresu doręczenia.",
        "recipient_unavailable": "Nikogo nie zastano pod adresem doręczenia.",
        "refused": "Odmówiono przyjęcia przesyłki.",
        "damaged": "Przesyłka została uszkodzona w transporcie.",
        "lost": "Przewoźnik nie może odnaleźć przesyłki.",
        "customs_hold": "Przesyłka jest zatrzymana w odprawie celnej.",
        "weather_delay": "Złe warunki pogodowe opóźniają doręczenie.",
        "carrier_delay": "Przewoźnik ma opóźnienia.",
        "held_at_carrier": "Przesyłka jest przechowywana u przewoźnika.",
        "not_collected": "Przesyłka nie została odebrana w wyznaczonym terminie.",
        "unknown": "Przewoźnik nie podał jeszcze przyczyny.",
    },
    "ro": {
        "address_issue": "Curierul nu a putut folosi adresa de livrare.",
        "recipient_unavailable": "Nu a fost nimeni disponibil să primească coletul.",
        "refused": "Coletul a fost refuzat la livrare.",
        "damaged": "Coletul a fost deteriorat în timpul transportului.",
        "lost": "Curierul nu poate localiza coletul.",
        "customs_hold": "Coletul este reținut la vamă.",
        "weather_delay": "Vremea nefavorabilă întârzie livrarea.",
        "carrier_delay": "Curierul are întârzieri.",
        "held_at_carrier": "Coletul este reținut de curier.",
        "not_collected": "Coletul nu a fost ridicat până la termenul limită.",
        "unknown": "Curierul nu a precizat încă motivul.",
    },
    "ru": {
        "address_issue": "Перевозчик не смог использовать адрес доставки.",
        "recipient_unavailable": "Получателя не было на месте.",
        "refused": "От посылки отказались при доставке.",
        "damaged": "Посылка была повреждена при перевозке.",
        "lost": "Перевозчик не может найти посылку.",
        "customs_hold": "Посылка задержана на таможне.",
        "weather_delay": "Доставка задерживается из-за плохой погоды.",
        "carrier_delay": "Перевозчик не успевает доставить посылку в срок.",
        "held_at_carrier": "Посылка находится на хранении у перевозчика.",
        "not_collected": "Посылку не забрали до истечения срока хранения.",
        "unknown": "Перевозчик пока не сообщил причину.",
    },
    "el": {
        "address_issue": "Η μεταφορική δεν μπόρεσε να χρησιμοποιήσει τη διεύθυνση παράδοσης.",
        "recipient_unavailable": "Δεν βρέθηκε κανείς να παραλάβει το δέμα.",
        "refused": "Η παραλαβή του δέματος απορρίφθηκε.",
        "damaged": "Το δέμα υπέστη ζημιά κατά τη μεταφορά.",
        "lost": "Η μεταφορική δεν μπορεί να εντοπίσει το δέμα.",
        "customs_hold": "Το δέμα παρακρατείται στο τελωνείο.",
        "weather_delay": "Η κακοκαιρία καθυστερεί την παράδοση.",
        "carrier_delay": "Η μεταφορική έχει καθυστερήσεις.",
        "held_at_carrier": "Το δέμα φυλάσσεται στη μεταφορική.",
        "not_collected": "Το δέμα δεν παραλήφθηκε μέχρι την προθεσμία παραλαβής.",
        "unknown": "Η μεταφορική δεν έχει αναφέρει ακόμη την αιτία.",
    },
    "uk": {
        "address_issue": "Перевізник не зміг використати адресу доставки.",
        "recipient_unavailable": "Одержувача не було на місці.",
        "refused": "Від посилки відмовилися під час доставки.",
        "damaged": "Посилку пошкоджено під час перевезення.",
        "lost": "Перевізник не може знайти посилку.",
        "customs_hold": "Посилку затримано на митниці.",
        "weather_delay": "Доставка затримується через погану погоду.",
        "carrier_delay": "Перевізник не встигає доставити посилку вчасно.",
        "held_at_carrier": "Посилка зберігається у перевізника.",
        "not_collected": "Посилку не забрали до завершення терміну зберігання.",
        "unknown": "Перевізник поки не повідомив причину.",
    },
    "bg": {
        "address_issue": "Куриерът не успя да използва адреса за доставка.",
        "recipient_unavailable": "Нямаше кой да получи пратката.",
        "refused": "Пратката беше отказана при доставката.",
        "damaged": "Пратката е повредена по време на транспорта.",
        "lost": "Куриерът не може да открие пратката.",
        "customs_hold": "Пратката е задържана в митницата.",
        "weather_delay": "Лошото време забавя доставката.",
        "carrier_delay": "Куриерът има закъснение.",
        "held_at_carrier": "Пратката се съхранява при куриера.",
        "not_collected": "Пратката не беше получена до крайния срок за получаване.",
        "unknown": "Куриерът все още не е посочил причината.",
    },
}

#: The same reasons worded for a text message (the ``reason`` variable of an SMS). Two
#: segments hold 134 characters in Cyrillic, Greek or any language with a letter outside
#: GSM-7, less a shop's name and the link: about sixty characters for what happened *and*
#: why, and the fitting rule (:func:`portal.notifications.sms.fit_sms_body`) drops whole
#: trailing sentences, so a reason worded for an e-mail went first and the customer learnt
#: that the delivery failed but not that nobody was home. These say the same in at most
#: :data:`SMS_REASON_MAX_LENGTH` characters, still whole sentences, so that a merchant's
#: own text can place them as it places the long ones. Keep both tables' keys in step.
SMS_REASON_MAX_LENGTH = 35
SMS_REASON_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "address_issue": "The address could not be used.",
        "recipient_unavailable": "Nobody was in to take the parcel.",
        "refused": "The parcel was refused.",
        "damaged": "The parcel was damaged in transit.",
        "lost": "The carrier cannot find the parcel.",
        "customs_hold": "The parcel is held at customs.",
        "weather_delay": "Bad weather is delaying delivery.",
        "carrier_delay": "The carrier is behind schedule.",
        "held_at_carrier": "The carrier is holding the parcel.",
        "not_collected": "The parcel was not collected.",
        "unknown": "The carrier has not said why yet.",
    },
    "pl": {
        "address_issue": "Problem z adresem doręczenia.",
        "recipient_unavailable": "Nikogo nie zastano.",
        "refused": "Odmówiono przyjęcia przesyłki.",
        "damaged": "Przesyłka została uszkodzona.",
        "lost": "Nie można odnaleźć przesyłki.",
        "customs_hold": "Przesyłkę zatrzymał urząd celny.",
        "weather_delay": "Pogoda opóźnia doręczenie.",
        "carrier_delay": "Przewoźnik ma opóźnienia.",
        "held_at_carrier": "Przesyłka czeka u przewoźnika.",
        "not_collected": "Przesyłki nie odebrano w terminie.",
        "unknown": "Przyczyny jeszcze nie podano.",
    },
    "ro": {
        "address_issue": "Problemă cu adresa de livrare.",
        "recipient_unavailable": "Destinatarul nu a fost prezent.",
        "refused": "Coletul a fost refuzat.",
        "damaged": "Coletul a fost deteriorat.",
        "lost": "Curierul nu găsește coletul.",
        "customs_hold": "Coletul este reținut la vamă.",
        "weather_delay": "Vremea rea întârzie livrarea.",
        "carrier_delay": "Curierul are întârzieri.",
        "held_at_carrier": "Coletul este reținut de curier.",
        "not_collected": "Coletul nu a fost ridicat la timp.",
        "unknown": "Motivul nu a fost încă precizat.",
    },
    "ru": {
        "address_issue": "Проблема с адресом доставки.",
        "recipient_unavailable": "Получателя не было на месте.",
        "refused": "От посылки отказались.",
        "damaged": "Посылка повреждена.",
        "lost": "Посылку не удаётся найти.",
        "customs_hold": "Посылка задержана на таможне.",
        "weather_delay": "Доставку задерживает непогода.",
        "carrier_delay": "У перевозчика задержки.",
        "held_at_carrier": "Посылка хранится у перевозчика.",
        "not_collected": "Посылку не забрали в срок.",
        "unknown": "Причина пока неизвестна.",
    },
    "el": {
        "address_issue": "Πρόβλημα με τη διεύθυνση.",
        "recipient_unavailable": "Ο παραλήπτης απουσίαζε.",
        "refused": "Το δέμα δεν έγινε δεκτό.",
        "damaged": "Το δέμα υπέστη ζημιά.",
        "lost": "Το δέμα δεν εντοπίζεται.",
        "customs_hold": "Το δέμα κρατείται στο τελωνείο.",
        "weather_delay": "Καθυστέρηση λόγω κακοκαιρίας.",
        "carrier_delay": "Η μεταφορική έχει καθυστερήσεις.",
        "held_at_carrier": "Το δέμα φυλάσσεται στη μεταφορική.",
        "not_collected": "Το δέμα δεν παραλήφθηκε εγκαίρως.",
        "unknown": "Η αιτία δεν έχει αναφερθεί ακόμη.",
    },
    "uk": {
        "address_issue": "Проблема з адресою доставки.",
        "recipient_unavailable": "Одержувача не було на місці.",
        "refused": "Від посилки відмовилися.",
        "damaged": "Посилку пошкоджено.",
        "lost": "Посилку не вдається знайти.",
        "customs_hold": "Посилку затримано на митниці.",
        "weather_delay": "Доставку затримує негода.",
        "carrier_delay": "У перевізника затримки.",
        "held_at_carrier": "Посилка чекає в перевізника.",
        "not_collected": "Посилку не забрали вчасно.",
        "unknown": "Причина поки невідома.",
    },
    "bg": {
        "address_issue": "Проблем с адреса за доставка.",
        "recipient_unavailable": "Нямаше кой да получи пратката.",
        "refused": "Пратката беше отказана.",
        "damaged": "Пратката е повредена.",
        "lost": "Куриерът не открива пратката.",
        "customs_hold": "Пратката е задържана в митница.",
        "weather_delay": "Лошото време забавя доставката.",
        "carrier_delay": "Куриерът има закъснение.",
        "held_at_carrier": "Куриерът задържа пратката.",
        "not_collected": "Пратката не е получена навреме.",
        "unknown": "Причината още не е посочена.",
    },
}

#: The fixed frame of messages and pages. ``{name}``-style fields are filled by callers.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "greeting_named": "Hi {name},",
        "greeting": "Hello,",
        "cta": "Track your parcel",
        "support": "Questions? Contact us at {contact}.",
        "footer": "You are receiving this message because you placed an order with {merchant}.",
        "manage": "Manage notifications",
        "withdraw": "Withdraw from contract here",
        "unsubscribe": "Unsubscribe",
        "sms_help": "{merchant}: delivery updates by text. Reply STOP to opt out, START to opt "
        "back in.",
        "sms_help_contact": "Help: {contact}",
        "sms_stopped": "{merchant}: you will get no more text messages from us. Reply START to get "
        "them again.",
        "sms_started": "{merchant}: you will get text messages about your deliveries again. Reply "
        "STOP to opt out.",
        "sms_status": "Parcel {number} ({carrier}): {status}.",
        "refund_note": "Return {number} resolved in Doorstep",
        "sms_eta": "Expected delivery: {eta}.",
        "prefs_title": "Notification preferences",
        "prefs_intro": "Choose how {merchant} keeps you updated about your deliveries.",
        "prefs_email": "Email updates",
        "prefs_sms": "Text message (SMS) updates",
        "prefs_whatsapp": "WhatsApp updates",
        "prefs_language": "Language of our messages",
        "prefs_save": "Save preferences",
        "prefs_saved": "Your preferences have been saved.",
        "prefs_unsubscribed": "You will no longer receive delivery emails from {merchant}.",
        "prefs_invalid": "This link is not valid. Please use the link from your most recent "
        "message.",
    },
    "pl": {
        "greeting_named": "Dzień dobry, {name},",
        "greeting": "Dzień dobry,",
        "cta": "Śledź przesyłkę",
        "support": "Masz pytania? Napisz do nas: {contact}.",
        "footer": "Otrzymujesz tę wiadomość w związku z zamówieniem w sklepie {merchant}.",
        "manage": "Zarządzaj powiadomieniami",
        "withdraw": "Odstąp od umowy tutaj",
        "unsubscribe": "Wypisz się",
        "sms_help": "{merchant}: powiadomienia SMS o przesyłkach. Odpowiedz STOP, aby je "
        "wyłączyć, lub START, aby włączyć je ponownie.",
        "sms_help_contact": "Pomoc: {contact}",
        "sms_stopped": "{merchant}: nie będziesz już otrzymywać od nas SMS-ów. Odpowiedz START, "
        "aby znów je otrzymywać.",
        "sms_started": "{merchant}: znów będziesz otrzymywać SMS-y o swoich przesyłkach. Odpowiedz "
        "STOP, aby zrezygnować.",
        "sms_status": "Przesyłka {number} ({carrier}): {status}.",
        "refund_note": "Zwrot {number} rozliczony w Doorstep",
        "sms_eta": "Przewidywana dostawa: {eta}.",
        "prefs_title": "Ustawienia powiadomień",
        "prefs_intro": "Wybierz, jak sklep {merchant} ma informować Cię o dostawach.",
        "prefs_email": "Powiadomienia e-mail",
        "prefs_sms": "Powiadomienia SMS",
        "prefs_whatsapp": "Powiadomienia WhatsApp",
        "prefs_language": "Język wiadomości",
        "prefs_save": "Zapisz ustawienia",
        "prefs_saved": "Ustawienia zostały zapisane.",
        "prefs_unsubscribed": "Nie będziesz już otrzymywać e-maili o dostawach ze sklepu "
        "{merchant}.",
        "prefs_invalid": "Ten link jest nieprawidłowy. Użyj linku z najnowszej wiadomości.",
    },
    "ro": {
        "greeting_named": "Bună ziua, {name},",
        "greeting": "Bună ziua,",
        "cta": "Urmărește coletul",
        "support": "Ai întrebări? Scrie-ne la {contact}.",
        "footer": "Primești acest mesaj pentru că ai plasat o comandă la {merchant}.",
        "manage": "Gestionează notificările",
        "withdraw": "Retrage-te din contract aici",
        "unsubscribe": "Dezabonare",
        "sms_help": "{merchant}: notificări prin SMS despre livrare. Răspunde STOP pentru "
        "dezabonare sau START pentru reabonare.",
        "sms_help_contact": "Ajutor: {contact}",
        "sms_stopped": "{merchant}: nu vei mai primi SMS-uri de la noi. Răspunde START pentru a le "
        "primi din nou.",
        "sms_started": "{merchant}: vei primi din nou SMS-uri despre livrările tale. Răspunde STOP "
        "pentru dezabonare.",
        "sms_status": "Coletul {number} ({carrier}): {status}.",
        "refund_note": "Returul {number} a fost finalizat în Doorstep",
        "sms_eta": "Livrare estimată: {eta}.",
        "prefs_title": "Preferințe de notificare",
        "prefs_intro": "Alege cum te ține la curent {merchant} despre livrări.",
        "prefs_email": "Notificări prin e-mail",
        "prefs_sms": "Notificări prin SMS",
        "prefs_whatsapp": "Notificări pe WhatsApp",
        "prefs_language": "Limba mesajelor",
        "prefs_save": "Salvează preferințele",
        "prefs_saved": "Preferințele tale au fost salvate.",
        "prefs_unsubscribed": "Nu vei mai primi e-mailuri despre livrări de la {merchant}.",
        "prefs_invalid": "Acest link nu este valid. Folosește linkul din cel mai recent mesaj.",
    },
    "ru": {
        "greeting_named": "Здравствуйте, {name}!",
        "greeting": "Здравствуйте!",
        "cta": "Отследить посылку",
        "support": "Есть вопросы? Напишите нам: {contact}.",
        "footer": "Вы получили это сообщение, потому что оформили заказ в магазине {merchant}.",
        "manage": "Настроить уведомления",
        "withdraw": "Отказаться от договора здесь",
        "unsubscribe": "Отписаться",
        "sms_help": "{merchant}: SMS-уведомления о доставке. Ответьте STOP, чтобы отписаться, "
        "или START, чтобы подписаться снова.",
        "sms_help_contact": "Помощь: {contact}",
        "sms_stopped": "{merchant}: вы больше не будете получать от нас SMS. Ответьте START, чтобы "
        "снова их получать.",
        "sms_started": "{merchant}: вы снова будете получать SMS о доставке. Ответьте STOP, чтобы "
        "отписаться.",
        "sms_status": "Посылка {number} ({carrier}): {status}.",
        "refund_note": "Возврат {number} завершён в Doorstep",
        "sms_eta": "Ожидаемая дата доставки: {eta}.",
        "prefs_title": "Настройки уведомлений",
        "prefs_intro": "Выберите, как магазин {merchant} будет сообщать вам о доставке.",
        "prefs_email": "Уведомления по электронной почте",
        "prefs_sms": "SMS-уведомления",
        "prefs_whatsapp": "Уведомления в WhatsApp",
        "prefs_language": "Язык сообщений",
        "prefs_save": "Сохранить настройки",
        "prefs_saved": "Настройки сохранены.",
        "prefs_unsubscribed": "Вы больше не будете получать письма о доставке от магазина "
        "{merchant}.",
        "prefs_invalid": "Ссылка недействительна. Воспользуйтесь ссылкой из последнего сообщения.",
    },
    "el": {
        "greeting_named": "Γεια σας, {name},",
        "greeting": "Γεια σας,",
        "cta": "Παρακολούθηση δέματος",
        "support": "Έχετε ερωτήσεις; Γράψτε μας στο {contact}.",
        "footer": "Λαμβάνετε αυτό το μήνυμα επειδή κάνατε παραγγελία στο κατάστημα {merchant}.",
        "manage": "Διαχείριση ειδοποιήσεων",
        "withdraw": "Υπαναχωρήστε από τη σύμβαση εδώ",
        "unsubscribe": "Κατάργηση εγγραφής",
        "sms_help": "{merchant}: ενημερώσεις παράδοσης με SMS. Απαντήστε STOP για διακοπή ή "
        "START για επανεγγραφή.",
        "sms_help_contact": "Βοήθεια: {contact}",
        "sms_stopped": "{merchant}: δεν θα λαμβάνετε πλέον SMS από εμάς. Απαντήστε START για να τα "
        "λαμβάνετε ξανά.",
        "sms_started": "{merchant}: θα λαμβάνετε ξανά SMS για τις παραδόσεις σας. Απαντήστε STOP "
        "για διακοπή.",
        "sms_status": "Δέμα {number} ({carrier}): {status}.",
        "refund_note": "Η επιστροφή {number} ολοκληρώθηκε στο Doorstep",
        "sms_eta": "Εκτιμώμενη παράδοση: {eta}.",
        "prefs_title": "Ρυθμίσεις ειδοποιήσεων",
        "prefs_intro": "Επιλέξτε πώς θα σας ενημερώνει το κατάστημα {merchant} για τις "
        "παραδόσεις σας.",
        "prefs_email": "Ενημερώσεις μέσω email",
        "prefs_sms": "Ενημερώσεις μέσω SMS",
        "prefs_whatsapp": "Ενημερώσεις μέσω WhatsApp",
        "prefs_language": "Γλώσσα των μηνυμάτων",
        "prefs_save": "Αποθήκευση προτιμήσεων",
        "prefs_saved": "Οι προτιμήσεις σας αποθηκεύτηκαν.",
        "prefs_unsubscribed": "Δεν θα λαμβάνετε πλέον email για παραδόσεις από το κατάστημα "
        "{merchant}.",
        "prefs_invalid": "Αυτός ο σύνδεσμος δεν είναι έγκυρος. Χρησιμοποιήστε τον σύνδεσμο "
        "από το πιο πρόσφατο μήνυμα.",
    },
    "uk": {
        "greeting_named": "Вітаємо, {name}!",
        "greeting": "Вітаємо!",
        "cta": "Відстежити посилку",
        "support": "Маєте запитання? Напишіть нам: {contact}.",
        "footer": "Ви отримали це повідомлення, бо оформили замовлення в магазині {merchant}.",
        "manage": "Налаштувати сповіщення",
        "unsubscribe": "Відписатися",
        "sms_help": "{merchant}: SMS-сповіщення про доставку. Відповідайте STOP, щоб "
        "відписатися, або START, щоб підписатися знову.",
        "sms_help_contact": "Допомога: {contact}",
        "sms_stopped": "{merchant}: ви більше не отримуватимете від нас SMS. Відповідайте START, "
        "щоб знову їх отримувати.",
        "sms_started": "{merchant}: ви знову отримуватимете SMS про доставку. Відповідайте STOP, "
        "щоб відписатися.",
        "sms_status": "Посилка {number} ({carrier}): {status}.",
        "refund_note": "Повернення {number} завершено в Doorstep",
        "sms_eta": "Очікувана дата доставки: {eta}.",
        "prefs_title": "Налаштування сповіщень",
        "prefs_intro": "Оберіть, як магазин {merchant} повідомлятиме вас про доставку.",
        "prefs_email": "Сповіщення електронною поштою",
        "prefs_sms": "SMS-сповіщення",
        "prefs_whatsapp": "Сповіщення у WhatsApp",
        "withdraw": "Відмовитися від договору тут",
        "prefs_language": "Мова повідомлень",
        "prefs_save": "Зберегти налаштування",
        "prefs_saved": "Налаштування збережено.",
        "prefs_unsubscribed": "Ви більше не отримуватимете листів про доставку від магазину "
        "{merchant}.",
        "prefs_invalid": "Посилання недійсне. Скористайтеся посиланням з останнього повідомлення.",
    },
    "bg": {
        "greeting_named": "Здравейте, {name},",
        "greeting": "Здравейте,",
        "cta": "Проследете пратката",
        "support": "Имате въпроси? Пишете ни на {contact}.",
        "footer": "Получавате това съобщение, защото сте направили поръчка в {merchant}.",
        "manage": "Управление на известията",
        "unsubscribe": "Отписване",
        "sms_help": "{merchant}: SMS известия за доставката. Отговорете STOP, за да се "
        "отпишете, или START, за да се абонирате отново.",
        "sms_help_contact": "Помощ: {contact}",
        "sms_stopped": "{merchant}: няма да получавате повече SMS от нас. Отговорете START, за да "
        "ги получавате отново.",
        "sms_started": "{merchant}: отново ще получавате SMS за доставките си. Отговорете STOP, за "
        "да се отпишете.",
        "sms_status": "Пратка {number} ({carrier}): {status}.",
        "refund_note": "Връщането {number} приключи в Doorstep",
        "sms_eta": "Очаквана доставка: {eta}.",
        "prefs_title": "Настройки на известията",
        "prefs_intro": "Изберете как {merchant} да ви информира за доставките ви.",
        "prefs_email": "Известия по имейл",
        "prefs_sms": "Известия по SMS",
        "prefs_whatsapp": "Известия в WhatsApp",
        "withdraw": "Откажете се от договора тук",
        "prefs_language": "Език на съобщенията",
        "prefs_save": "Запазване на настройките",
        "prefs_saved": "Настройките ви са запазени.",
        "prefs_unsubscribed": "Повече няма да получавате имейли за доставки от {merchant}.",
        "prefs_invalid": "Тази връзка не е валидна. Използвайте връзката от последното съобщение.",
    },
}


def status_words(status: str | Status | None, locale: str) -> str:
    """``in_transit`` → "In transit" (in ``locale``); empty for no status."""
    if not status:
        return ""
    table = STATUS_WORDS[pick_locale(locale)]
    return table.get(str(status)) or STATUS_WORDS[DEFAULT_LOCALE].get(str(status), str(status))


def reason_words(reason: str | Reason | None, locale: str, *, short: bool = False) -> str:
    """``customs_hold`` → "The parcel is held at customs." (a sentence; with ``short``, the
    text message's wording of :data:`SMS_REASON_WORDS`); empty for none, the unknown
    reason's words for a reason the table does not know."""
    if not reason:
        return ""
    table = (SMS_REASON_WORDS if short else REASON_WORDS)[pick_locale(locale)]
    return table.get(str(reason)) or table[Reason.UNKNOWN.value]


def words(locale: str) -> dict[str, str]:
    """Every fixed phrase for ``locale``, falling back to English for anything missing."""
    return {**WORDS[DEFAULT_LOCALE], **WORDS[pick_locale(locale)]}
